"""The tables' rows rendered in Python (xueji.ui.tables.Base.tbody_html, the template ui/table.html) are the HTML
django-tables2's own bootstrap5 template renders, cell for cell: values escaped unless safe, links, `localize`,
attributes fixed or computed per cell, the even/odd classes, the empty text."""

import datetime as dt
import re

import django_tables2 as tables
import pytest
from django.template.loader import get_template
from django.test import RequestFactory
from django.utils.html import format_html

from xueji.ui.tables import NOWRAP, Base


class Row(dict):
    pk = 0


class Sample(Base):
    name = tables.Column(linkify=lambda record: f"/x/{record['n']}/")
    text = tables.Column()  # plain text: escaped
    html = tables.Column()  # a render method's safe HTML: kept
    day = tables.Column(attrs=NOWRAP)
    amount = tables.Column(localize=True, attrs={"td": {"class": "text-end"}})
    raw = tables.Column(localize=False)
    flag = tables.BooleanColumn()
    dyn = tables.Column(accessor="n", attrs={"td": {"data-n": lambda value: value, "class": "c"}})
    missing = tables.Column(default="—")

    class Meta(Base.Meta):
        pass

    def render_html(self, value):
        return format_html("<b>{}</b>", value)


def _rows(n: int) -> list[dict]:
    return [{"n": i, "name": f"名{i}", "text": f"<i>{i} & co</i>", "html": f"<{i}>", "day": dt.date(2020, 1, i + 1),
             "amount": 1234.5 + i, "raw": 9876.5, "flag": i % 2 == 0, "missing": None} for i in range(n)]


def _normal(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def _both(table_class, data) -> tuple[str, str]:
    request = RequestFactory().get("/")
    ours = table_class(data)
    ours.request = request
    theirs = table_class(data)
    theirs.request = request
    return (_normal(get_template("ui/table.html").render({"table": ours}, request)),
            _normal(get_template("django_tables2/bootstrap5.html").render({"table": theirs}, request)))


@pytest.mark.parametrize("rows", [0, 1, 5])
def test_the_rows_are_django_tables2s(rows):
    ours, theirs = _both(Sample, _rows(rows))
    assert ours == theirs
    if rows:
        assert "&lt;i&gt;0 &amp; co&lt;/i&gt;" in ours and "<b>&lt;0&gt;</b>" in ours and 'href="/x/0/"' in ours
        assert 'data-n="0"' in ours and 'class="even"' in ours


def test_the_empty_text_spans_the_columns():
    ours, theirs = _both(Sample, [])
    assert ours == theirs
    assert '<td colspan="9">' in ours


@pytest.mark.django_db
def test_a_model_table_renders_the_same(world):
    """A page's table over model rows (links by URL name, choices, related objects, a render method)."""
    from xueji.registry.models import Student
    from xueji.registry.ui.tables import StudentTable

    user = world.user("tunxi_primary", "registrar")
    students = list(Student.objects.select_related("school", "school_class").order_by("pk")[:5])
    assert students
    ours, theirs = _both(lambda data: StudentTable(data, user=user), students)
    assert ours == theirs


LIST_PAGES = ["/students/", "/classes/", "/schools/", "/orgs/", "/inbox/", "/requests/", "/jobs/", "/problems/",
              "/audit/", "/users/", "/registration/drafts/", "/changes/requests/", "/changes/status-changes/",
              "/changes/dropouts/", "/imports/", "/verification/", "/school-years/", "/policy/windows/"]


@pytest.mark.django_db
def test_every_list_page_shows_the_cells_django_tables2_would(world, login, client, monkeypatch):
    """Each list page with its cells made once per column (`_Cells`) and with django-tables2's own get_cell per
    cell: the same page. The test world's pupils, drafts and requests fill the tables."""
    from xueji.registration.services import registration_submit
    from xueji.testing.world import open_windows
    from xueji.ui import tables as shell_tables

    open_windows(("340000",))
    # Reading the audit log is itself audited (one row per read): the two reads of /audit/ would differ by it.
    monkeypatch.setattr("xueji.audit.ui.views.audit_query_record", lambda **kwargs: None)
    registrar = world.user("tunxi_primary", "registrar")
    _drafts(world, registrar, 3)
    registration_submit(actor=registrar, kind="enrolled", student_ids=[_draft_ids(world)[0]])
    compared = 0
    for user in (registrar, world.user("tunxi", "registrar"), world.user("anhui", "sysadmin"),
                 world.user("anhui", "auditor")):
        login(user)
        for path in LIST_PAGES:
            fast = client.get(path)
            if fast.status_code != 200:
                continue
            with monkeypatch.context() as patched:  # the shell's cells set aside for this request only
                patched.setattr(shell_tables._Cells, "__call__",
                                lambda self, row, record: row.get_cell(self.bound_column.name))
                slow = client.get(path)
            assert _page(fast) == _page(slow), path
            compared += "<tbody" in fast.content.decode()
    assert compared >= 20


def _page(response) -> str:
    return _normal(re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode()))


def _drafts(world, registrar, n):
    from xueji.core import clock
    from xueji.registration.tests.test_flow import pupil_row
    from xueji.registry.services import student_enter
    from xueji.registry.validation import validate_row

    for k in range(n):
        clean, errors = validate_row(pupil_row(k), today=clock.today(), require_class=False)
        assert not errors, errors
        student_enter(actor=registrar, school=world.schools["tunxi_primary"],
                      school_class=world.classes["tunxi_primary"], clean=clean)


def _draft_ids(world):
    from xueji.registry.models import RegStatus, Student

    return list(Student.objects.filter(reg_status=RegStatus.DRAFT, school=world.schools["tunxi_primary"])
                .order_by("pk").values_list("pk", flat=True))


def test_every_table_of_the_pages_renders_its_rows_in_python():
    """A table whose class body has no `Meta` still gets the shell's options: its rows rendered by `tbody_html` (the
    transfer inbox, the changes' and the hub's lists fell back to django-tables2's own template, a third slower)."""
    import importlib

    from django.apps import apps

    for app in apps.get_app_configs():
        if app.name.startswith("xueji."):
            try:
                importlib.import_module(f"{app.name}.ui.tables")
            except ModuleNotFoundError:
                pass

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    found = {f"{t.__module__}.{t.__name__}": t for t in subclasses(Base)}
    assert "xueji.transfers.ui.tables.TransferTable" in found
    wrong = {name: t._meta.template_name for name, t in found.items() if t._meta.template_name != "ui/table.html"}
    assert wrong == {}
    assert all("table" in t._meta.attrs.get("class", "") for t in found.values())
