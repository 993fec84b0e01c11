"""The daily cleanup deletes the sessions past their (idle) expiry (SECURITY.md §1 rows 3 and 27): no signed-in
session outlives its timeout in the database, and a browser that still holds one is sent to sign in."""

import datetime as dt

from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.ops import services


def test_the_cleanup_deletes_idle_expired_sessions_and_audits_the_count(world, ops, client):
    client.force_login(world.user("tunxi_primary", "registrar"))
    assert client.get("/").status_code == 200
    idle = client.session.session_key
    other = world.user("tunxi_primary", "leader")
    from django.test import Client

    fresh = Client()
    fresh.force_login(other)
    with clock.shifted(dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)):
        Session.objects.exclude(session_key=idle).update(expire_date=clock.now() + dt.timedelta(minutes=10))
        result = services.cleanup_run()
    assert result["sessions"] == 1
    assert not Session.objects.filter(session_key=idle).exists()
    assert Session.objects.filter(session_key=fresh.session.session_key).exists()
    assert AuditEvent.objects.get(action="ops.cleanup").after["sessions"] == 1

    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
