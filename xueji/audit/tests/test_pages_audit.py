"""The audit log's pages: filters, the changes of an event, nothing outside the auditor's jurisdiction."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xueji.audit.services import audit_record
from xueji.registry.pi_register import PI

pytestmark = pytest.mark.django_db


def test_audit_list_filters_and_detail(world, login):
    registrar = world.user("tunxi_primary", "registrar")
    event = audit_record(actor=registrar, action="school.update", obj=world.schools["tunxi_primary"],
                         before={"phone": "1"}, after={"phone": "0559-1234567", "name": "屯溪一小"})
    audit_record(actor=registrar, action="auth.login_failed", object_repr="someone", success=False)
    client = login(world.user("huangshan", "auditor"))
    html = client.get(reverse("audit:audit_list")).content.decode()
    assert "school.update" in html and "auth.login_failed" in html
    html = client.get(reverse("audit:audit_list"), {"success": "0"}).content.decode()
    assert "auth.login_failed" in html and "school.update" not in html
    html = client.get(reverse("audit:audit_list"), {"action": "school."}).content.decode()
    assert "school.update" in html and "auth.login_failed" not in html
    html = client.get(reverse("audit:audit_detail", args=[event.pk])).content.decode()
    assert "0559-1234567" in html and "屯溪一小" in html  # JSON keeps Chinese readable
    assert 'data-testid="audit-changes"' in html
    # An auditor of another city sees nothing of it.
    other = login(world.user("hefei", "auditor"))
    assert other.get(reverse("audit:audit_detail", args=[event.pk])).status_code == 404


def test_the_auditor_sees_the_chain_verifies_it_and_sees_where_it_broke(world, login, django_assert_max_num_queries):
    from django.db import connection

    from xueji.audit.models import AuditChainCheck, AuditEvent

    event = audit_record(actor=None, username="system", action="test.chain", object_repr="before")
    client = login(world.user("huangshan", "auditor"))
    assert 'data-testid="chain-unverified"' in client.get(reverse("audit:audit_chain")).content.decode()

    response = client.post(reverse("audit:audit_chain"))
    assert response.status_code == 302
    with django_assert_max_num_queries(12):
        html = client.get(reverse("audit:audit_chain")).content.decode()
    assert 'data-testid="chain-ok"' in html
    assert AuditEvent.objects.filter(action="audit.verify", actor_username=world.user("huangshan", "auditor").username,
                                     success=True).exists()

    with connection.cursor() as cursor:  # behind the application's back (the test's transaction restores it)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_no_update")
        else:
            cursor.execute("DROP TRIGGER audit_no_update")
        cursor.execute("UPDATE audit_auditevent SET object_repr = 'after' WHERE id = %s", [event.pk])
    client.post(reverse("audit:audit_chain"))
    html = client.get(reverse("audit:audit_chain")).content.decode()
    assert 'data-testid="chain-broken"' in html and f"#{event.pk}" in html and "edited" in html
    assert AuditChainCheck.objects.filter(ok=False).count() == 1


def test_the_chain_page_is_the_auditors_only(world, login):
    client = login(world.user("tunxi_primary", "registrar"))
    assert client.get(reverse("audit:audit_chain")).status_code == 403
    assert client.post(reverse("audit:audit_chain")).status_code == 403
    from xueji.audit.models import AuditChainCheck

    assert not AuditChainCheck.objects.exists()


def test_the_auditor_reads_the_register_of_personal_information(world, login):
    client = login(world.user("huangshan", "auditor"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("audit:pi_register"))
    html = response.content.decode()
    assert response.status_code == 200 and "个人信息清单" in html
    # one section per table, every field named once, fields sharing purpose, basis, retention and mask on one row
    assert html.count('data-testid="pi-table"') == len(PI)
    assert html.count('data-testid="pi-field"') == sum(len(fields) for fields in PI.values())
    assert len(PI) <= html.count('data-testid="pi-row"') < html.count('data-testid="pi-field"')
    assert "registry.FamilyMember" in html and "id_number" in html and "SM4" in html and "法律依据" in html
    assert len(queries) < 15  # static: the session, the user, the menu
    assert login(world.user("tunxi_primary", "registrar")).get(reverse("audit:pi_register")).status_code == 403
