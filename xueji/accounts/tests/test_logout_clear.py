"""Signing out tells the browser to drop what the site left in it (SECURITY.md §1 rows 3 and 27)."""

from django.contrib.sessions.models import Session


def test_logout_clears_the_site_data_and_the_session(world, client):
    client.force_login(world.user("tunxi_primary", "registrar"))
    key = client.session.session_key

    response = client.post("/logout/")

    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert not Session.objects.filter(session_key=key).exists()
