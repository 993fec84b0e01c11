"""Two filings on one pupil at the same moment, each on its own connection (PostgreSQL: SQLite takes no row
locks): exactly one is filed, the other is refused naming it, whatever kinds they are."""

import pytest
from django.db import connection

from xueji.changes.tests.conftest import add_classes, open_change_windows, pdf
from xueji.changes.tests.helpers import file_change
from xueji.core.errors import Conflict
from xueji.problems.tests.test_concurrency import parallel
from xueji.workflow.models import Request

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")]


@pytest.mark.parametrize(("first", "second"), [(("suspend", "10"), ("dropout", "27")),
                                               (("suspend", "10"), ("suspend", "12"))])
def test_two_parallel_filings_on_one_pupil_one_succeeds(transactional_db, world, settings, tmp_path, first, second):
    settings.MEDIA_ROOT = tmp_path
    open_change_windows()
    add_classes(world)
    results = parallel(lambda: file_change(world, "tunxi_primary", *first, proofs=[pdf("a.pdf")]),
                       lambda: file_change(world, "tunxi_primary", *second, proofs=[pdf("b.pdf")]))
    assert sorted(ok for ok, _ in results) == [False, True], results
    filed = next(value for ok, value in results if ok)
    refused = next(value for ok, value in results if not ok)
    assert isinstance(refused, Conflict) and refused.code == "request_in_progress"
    assert refused.details["request"] == filed.pk
    assert list(Request.objects.filter(type="changes.status").values_list("pk", flat=True)) == [filed.pk]


def test_two_parallel_edits_from_one_version_one_is_refused_412(transactional_db, world):
    """SECURITY.md row 38: the version is checked under the pupil's row lock, so two edits made from the same
    version at the same moment cannot both win (no lost update): one is saved, the other refused stale_version."""
    from xueji.changes import services
    from xueji.registry.models import Student
    from xueji.registry.versions import record_version

    pupil = Student.objects.get(pk=world.students["tunxi_primary"].pk)
    version = record_version(pupil)
    registrar = world.user("tunxi_primary", "registrar")
    results = parallel(*(lambda phone=phone: services.record_edit(actor=registrar, student=pupil.pk,
                                                                   values={"phone": phone}, version=version)
                         for phone in ("13900000021", "13900000022")))
    assert sorted(ok for ok, _ in results) == [False, True], results
    refused = next(value for ok, value in results if not ok)
    assert refused.code == "stale_version" and refused.status_code == 412
    assert Student.objects.get(pk=pupil.pk).phone in ("13900000021", "13900000022")
