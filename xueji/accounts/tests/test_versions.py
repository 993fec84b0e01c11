"""SECURITY.md row 38 on the account edit (`core.versions`, `services.user_version`): the GET carries an ETag, a PATCH
with a stale If-Match answers 412 and writes nothing; the edit page opened before another save shows the error and
writes nothing. A login (last_login) does not make the version stale."""

import pytest
from django.urls import reverse

from xueji.accounts import services
from xueji.accounts.models import User
from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.testing.versions import STALE_WORDS, hidden_version, row_of

pytestmark = pytest.mark.django_db


def test_a_stale_if_match_on_an_account_answers_412_and_writes_nothing(world, login):
    admin, target = world.user("tunxi", "sysadmin"), world.user("tunxi_primary", "leader")
    client = login(admin)
    url = f"/api/v1/users/{target.pk}/"
    etag = client.get(url)["ETag"]
    User.objects.filter(pk=target.pk).update(last_login=clock.now())  # it signs in meanwhile: not an edit
    assert client.get(url)["ETag"] == etag
    services.user_update(actor=admin, user=User.objects.get(pk=target.pk), phone="13900000001")  # another admin
    before, audits = row_of(target), AuditEvent.objects.filter(action="user.update").count()

    stale = client.patch(url, {"full_name": "李校长"}, content_type="application/json", headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.json()["code"] == "stale_version"
    assert row_of(target) == before and AuditEvent.objects.filter(action="user.update").count() == audits

    saved = client.patch(url, {"full_name": "李校长"}, content_type="application/json",
                         headers={"If-Match": client.get(url)["ETag"]})
    assert saved.status_code == 200 and row_of(target)["full_name"] == "李校长"
    assert saved["ETag"] == client.get(url)["ETag"]


def test_an_account_form_opened_before_another_save_shows_the_error_and_writes_nothing(world, login):
    admin, target = world.user("tunxi", "sysadmin"), world.user("tunxi_primary", "leader")
    client = login(admin)
    url = reverse("accounts:user_edit", args=[target.pk])
    version = hidden_version(client.get(url).content.decode())
    services.user_update(actor=admin, user=User.objects.get(pk=target.pk), email="li@example.cn")
    before = row_of(target)
    data = {"full_name": "李校长", "org_unit": target.org_unit_id, "version": version}

    refused = client.post(url, data)
    assert refused.status_code == 200 and STALE_WORDS in refused.content.decode()
    assert row_of(target) == before

    data["version"] = hidden_version(client.get(url).content.decode())
    assert client.post(url, data).status_code == 302 and row_of(target)["full_name"] == "李校长"
