"""The audit log's pages: filters, the changes of an event, nothing outside the auditor's jurisdiction."""

import pytest
from django.urls import reverse

from xueji.audit.services import audit_record

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
