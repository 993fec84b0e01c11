"""Control 15 (T-AUD-07): the audit process cannot be interrupted. No UI or runtime setting turns it off, and when the
audit log cannot be written, the sensitive operations (export, unmask, approve, role change) fail closed: 503 on the
page and in the API, and no business row committed."""

from unittest import mock

import pytest
from django.conf import settings
from django.db import DatabaseError
from django.urls import reverse

from xueji.accounts import security_settings
from xueji.audit.models import AuditEvent
from xueji.audit.services import audit_record
from xueji.jobs.models import Job
from xueji.policy.services import SETTING_DEFAULTS
from xueji.policy.switches import SWITCHES
from xueji.testing.fingerprint import fingerprint


def _audit_down():
    """The audit storage refuses the insert (a full disk, a revoked grant, a lock): the one insert raises."""
    return mock.patch.object(AuditEvent, "save", side_effect=DatabaseError("audit storage unavailable"))


def _submitted(world):
    from xueji.registration.services import registration_submit
    from xueji.registration.tests.test_flow import enter

    students = enter(world, 1)
    return registration_submit(actor=world.user("tunxi_primary", "registrar"), kind="enrolled",
                               student_ids=[s.pk for s in students])


def _api(client, url, body):
    return client.post(url, body, content_type="application/json")


SENSITIVE = {
    "export (API)": ("tunxi_primary", "registrar",
                     lambda c, w, o: _api(c, "/api/v1/students/export/", {"school": w.schools["tunxi_primary"].pk})),
    "export (page)": ("tunxi_primary", "registrar",
                      lambda c, w, o: c.post(reverse("registry:student_export"),
                                             {"school": w.schools["tunxi_primary"].pk})),
    "unmask (API)": ("tunxi_primary", "registrar",
                     lambda c, w, o: _api(c, f"/api/v1/students/{w.students['tunxi_primary'].pk}/unmask/",
                                          {"reason": "核对转学材料"})),
    "unmask (page)": ("tunxi_primary", "registrar",
                      lambda c, w, o: c.post(reverse("registry:student_unmask", args=[w.students["tunxi_primary"].pk]),
                                             {"reason": "核对转学材料"})),
    "approve (API)": ("tunxi_primary", "leader",
                      lambda c, w, o: _api(c, reverse("api:request-decide", kwargs={"pk": o.pk}), {"approve": True})),
    "role change (API)": ("tunxi", "security",
                          lambda c, w, o: _api(c, f"/api/v1/security/users/{w.user('tunxi_primary', 'leader').pk}"
                                                  "/roles/", {"roles": ["leader", "registrar"]})),
}


@pytest.mark.parametrize("name", SENSITIVE)
def test_a_sensitive_operation_fails_closed_when_the_audit_log_cannot_be_written(world, window, client, name):
    unit, role, act = SENSITIVE[name]
    request = _submitted(world) if name.startswith("approve") else None
    client.force_login(world.user(unit, role))
    before, rows, jobs = fingerprint(), AuditEvent.objects.count(), Job.objects.count()

    with _audit_down():
        response = act(client, world, request)

    assert response.status_code == 503, (name, response.status_code, response.content[:300])
    if "API" in name:
        assert response.json()["code"] == "audit_unavailable"
    else:
        assert b'data-testid="error-503"' in response.content
    assert world.students["tunxi_primary"].id_number not in response.content.decode()
    assert fingerprint() == before  # no business row committed
    assert (AuditEvent.objects.count(), Job.objects.count()) == (rows, jobs)


def test_with_the_audit_log_back_the_same_operation_succeeds(world, login):
    client = login(world.user("tunxi_primary", "registrar"))
    url = f"/api/v1/students/{world.students['tunxi_primary'].pk}/unmask/"
    with _audit_down():
        assert _api(client, url, {"reason": "核对转学材料"}).status_code == 503
    assert _api(client, url, {"reason": "核对转学材料"}).status_code == 200
    assert AuditEvent.objects.filter(action="student.unmask").count() == 1


def test_a_sign_in_whose_audit_row_fails_does_not_sign_in(world, client):
    """The 503 keeps no session (Django's session middleware saves none on a 5xx answer): not signed in."""
    from xueji.testing import PASSWORD

    user = world.user("tunxi_primary", "registrar")
    with _audit_down():
        response = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 503
    assert client.get(reverse("registry:student_list")).status_code == 302  # to the sign-in page


def test_no_ui_or_runtime_setting_turns_the_audit_off(db, settings):
    """Nothing a level's administrator sets (policy settings, function switches, security settings) and no runtime
    setting of the deployment names the audit; every XUEJI_AUDIT_* setting set to its falsy value still audits."""
    ui_keys = [*SETTING_DEFAULTS, *SWITCHES, *security_settings.SETTINGS]
    assert not [k for k in ui_keys if "audit" in k.lower()]
    for name in [n for n in dir(settings._wrapped) if n.startswith("XUEJI_AUDIT")]:
        value = getattr(settings, name)
        if name.endswith("PARTITIONS"):
            continue  # the chain's shape, not a switch (0 would be an error, never "off")
        falsy = {bool: False, int: 0, str: ""}.get(type(value), None)
        with mock.patch.object(settings._wrapped, name, falsy):
            before = AuditEvent.objects.count()
            audit_record(actor=None, username="system", action="test.still_audited", after={"setting": name})
            assert AuditEvent.objects.count() == before + 1, name


def test_the_insert_has_no_switch(db):
    """The one insert (audit.services._insert) reads no setting and has no early return: a DatabaseError is the
    only way it does not write, and that fails the operation."""
    import inspect

    from xueji.audit import services

    source = inspect.getsource(services._insert) + inspect.getsource(services.audit_record)
    assert "settings." not in source and "return None" not in source
    assert settings.MIDDLEWARE[-1] == "xueji.core.middleware.ServiceUnavailableMiddleware"
