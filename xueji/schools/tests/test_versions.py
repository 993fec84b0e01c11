"""SECURITY.md row 38 on the school and class edits (`core.versions`): the GET carries an ETag, a PATCH with a stale
If-Match answers 412 and writes nothing; an edit page opened before another save is refused with the error and writes
nothing; the current version goes through."""

import pytest
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.schools import services
from xueji.testing.versions import STALE_WORDS, hidden_version
from xueji.testing.versions import row_of as _row

pytestmark = pytest.mark.django_db


def test_a_stale_if_match_on_a_school_answers_412_and_writes_nothing(world, login):
    school = world.schools["tunxi_primary"]
    client = login(world.user("tunxi", "registrar"))
    url = f"/api/v1/schools/{school.pk}/"
    read = client.get(url)
    etag = read["ETag"]
    assert etag.startswith('"') and len(etag) == 34
    services.school_update(actor=world.user("tunxi", "registrar"), school=school, phone="0559-2")  # someone else
    before, audits = _row(school), AuditEvent.objects.filter(action="school.update").count()

    stale = client.patch(url, {"name": "屯溪一小"}, content_type="application/json", headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.json()["code"] == "stale_version"
    assert _row(school) == before and AuditEvent.objects.filter(action="school.update").count() == audits

    fresh = client.get(url)["ETag"]
    assert fresh != etag
    saved = client.patch(url, {"name": "屯溪一小"}, content_type="application/json", headers={"If-Match": fresh})
    assert saved.status_code == 200 and saved.json()["name"] == "屯溪一小" and saved["ETag"] not in (etag, fresh)
    assert client.get(url)["ETag"] == saved["ETag"]


def test_a_school_form_opened_before_another_save_shows_the_error_and_writes_nothing(world, login):
    school = world.schools["tunxi_primary"]
    client = login(world.user("tunxi", "registrar"))
    url = reverse("schools:school_edit", args=[school.pk])
    version = hidden_version(client.get(url).content.decode())
    services.school_update(actor=world.user("tunxi", "registrar"), school=school, phone="0559-2")
    before = _row(school)
    data = {"name": "屯溪一小", "running_type": "211", "stages": ["1"], "is_active": "on", "version": version}

    refused = client.post(url, data)
    assert refused.status_code == 200 and STALE_WORDS in refused.content.decode()
    assert _row(school) == before

    current = hidden_version(client.get(url).content.decode())
    assert client.post(url, {**data, "version": current}).status_code == 302
    assert _row(school)["name"] == "屯溪一小"


def test_a_stale_if_match_on_a_class_answers_412_and_writes_nothing(world, login):
    klass = world.classes["tunxi_primary"]
    client = login(world.user("tunxi_primary", "registrar"))
    url = f"/api/v1/classes/{klass.pk}/"
    etag = client.get(url)["ETag"]
    services.class_update(actor=world.user("tunxi_primary", "registrar"), school_class=klass, head_teacher="钱老师")
    before = _row(klass)

    stale = client.patch(url, {"head_teacher": "赵老师"}, content_type="application/json", headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.json()["code"] == "stale_version"
    assert _row(klass) == before

    saved = client.patch(url, {"head_teacher": "赵老师"}, content_type="application/json",
                         headers={"If-Match": client.get(url)["ETag"]})
    assert saved.status_code == 200 and _row(klass)["head_teacher"] == "赵老师"
    assert client.patch(url, {"name": "一班"}, content_type="application/json").status_code == 200  # no If-Match


def test_a_class_form_opened_before_another_save_shows_the_error_and_writes_nothing(world, login):
    klass = world.classes["tunxi_primary"]
    client = login(world.user("tunxi_primary", "registrar"))
    url = reverse("schools:class_edit", args=[klass.pk])
    version = hidden_version(client.get(url).content.decode())
    services.class_update(actor=world.user("tunxi_primary", "registrar"), school_class=klass, head_teacher="钱老师")
    before = _row(klass)

    refused = client.post(url, {"name": "", "head_teacher": "赵老师", "head_teacher_phone": "", "is_active": "on",
                                "version": version})
    assert refused.status_code == 200 and STALE_WORDS in refused.content.decode()
    assert _row(klass) == before
