"""WebAuthn security keys (accounts/security_keys.py): registration from a verified session, the second-factor step
by key, the signature counter, replay, forgery, several keys, removal, reset. The answers come from a software
authenticator (soft_authenticator.py) and are checked by py_webauthn itself; the browser's own ceremony runs in
xueji/ui/tests/test_browser_security_keys.py."""

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse

from xueji.accounts.models import SecurityKey
from xueji.accounts.tests.soft_authenticator import SoftAuthenticator
from xueji.accounts.tests.test_second_factor import _code, _enrolled, _events, _sign_in
from xueji.audit.models import AuditEvent

pytestmark = pytest.mark.usefixtures("second_factor_enforced")


def _post_json(client, name: str, body=None, **kwargs):
    return client.post(reverse(name, **kwargs), data=json.dumps(body if body is not None else {}),
                       content_type="application/json")


def _verified(client, user):
    device, _codes = _enrolled(user)
    _sign_in(client, user)
    assert client.post(reverse("accounts:mfa_verify"), {"code": _code(device)}).status_code == 302
    return device


def _register(client, authenticator: SoftAuthenticator, name: str = "blue key") -> SecurityKey:
    options = _post_json(client, "accounts:key_register_options").json()
    response = _post_json(client, "accounts:key_register_verify",
                          {"name": name, "credential": authenticator.create(options)})
    assert response.status_code == 200, response.content
    assert response.json()["redirect"] == reverse("accounts:key_list")
    return SecurityKey.objects.get(name=name)


def _key_sign_in(client, user, authenticator: SoftAuthenticator, **kwargs):
    """Password, then the key at the second-factor step: the verify step's response."""
    client.logout()
    _sign_in(client, user)
    page = client.get(reverse("accounts:mfa_verify")).content.decode()
    assert 'data-testid="mfa-key-button"' in page and "accounts/webauthn.js" in page
    options = _post_json(client, "accounts:mfa_key_options").json()
    assert [c["id"] for c in options["allowCredentials"]]
    return _post_json(client, "accounts:mfa_key_verify", authenticator.get(options, **kwargs)), options


def test_register_a_key_then_sign_in_with_it(world, client):
    leader = world.user("tunxi", "leader")
    _verified(client, leader)
    authenticator = SoftAuthenticator()

    key = _register(client, authenticator)

    assert key.user == leader and key.confirmed and key.transports == ["usb"] and key.sign_count == 0
    assert _events("mfa.key_enrol") == 1
    page = client.get(reverse("accounts:key_list")).content.decode()
    assert "blue key" in page and 'data-testid="security-key-row"' in page

    response, _options = _key_sign_in(client, leader, authenticator)

    assert response.status_code == 200 and response.json()["redirect"] == reverse("ui:workbench")
    assert client.get(reverse("ui:workbench")).status_code == 200  # the session is verified
    key.refresh_from_db()
    assert key.sign_count == 1 and key.last_used_at is not None
    event = AuditEvent.objects.filter(action="mfa.verify").latest("pk")
    assert event.after["device"] == "security_key"


def test_the_step_offers_no_key_to_an_account_without_one(world, client):
    leader = world.user("tunxi", "leader")
    _enrolled(leader)
    _sign_in(client, leader)
    assert 'data-testid="mfa-key-button"' not in client.get(reverse("accounts:mfa_verify")).content.decode()
    response = _post_json(client, "accounts:mfa_key_options")
    assert response.status_code == 403 and response.json()["code"] == "security_key_none"


def test_a_counter_that_does_not_grow_is_refused_and_changes_nothing(world, client):
    leader = world.user("tunxi", "leader")
    _verified(client, leader)
    authenticator = SoftAuthenticator()
    key = _register(client, authenticator)
    assert _key_sign_in(client, leader, authenticator, sign_count=5)[0].status_code == 200

    response, _options = _key_sign_in(client, leader, authenticator, sign_count=5)  # a cloned key's answer

    assert response.status_code == 400 and response.json()["code"] == "security_key_invalid"
    assert client.get(reverse("ui:workbench")).status_code == 302  # not verified
    key.refresh_from_db()
    assert key.sign_count == 5
    failed = AuditEvent.objects.filter(action="mfa.key_verify_failed").latest("pk")
    assert failed.after == {"reason": "sign_count"} and not failed.success


def test_a_replayed_or_forged_answer_is_refused(world, client):
    leader = world.user("tunxi", "leader")
    _verified(client, leader)
    authenticator = SoftAuthenticator()
    key = _register(client, authenticator)
    response, options = _key_sign_in(client, leader, authenticator)
    assert response.status_code == 200
    replay = authenticator.get(options)  # the used challenge, a fresh counter

    client.logout()
    _sign_in(client, leader)
    again = _post_json(client, "accounts:mfa_key_verify", replay)  # no challenge pending: refused
    assert again.status_code == 400
    new_options = _post_json(client, "accounts:mfa_key_options").json()
    old_challenge = _post_json(client, "accounts:mfa_key_verify", replay)  # another challenge pending
    assert old_challenge.status_code == 400
    # That failure used the pending challenge up: a right answer to it is refused as well.
    assert _post_json(client, "accounts:mfa_key_verify", authenticator.get(new_options)).status_code == 400
    forged_options = _post_json(client, "accounts:mfa_key_options").json()
    forged = authenticator.get(forged_options, key=ec.generate_private_key(ec.SECP256R1()))
    assert _post_json(client, "accounts:mfa_key_verify", forged).status_code == 400

    assert client.get(reverse("ui:workbench")).status_code == 302
    key.refresh_from_db()
    assert key.sign_count == 1
    assert _events("mfa.key_verify_failed") == 4


def test_registration_refusals_change_nothing(world, client):
    leader = world.user("tunxi", "leader")
    _verified(client, leader)
    authenticator = SoftAuthenticator()
    # Without a pending challenge, and with an answer to another origin.
    assert _post_json(client, "accounts:key_register_verify",
                      {"credential": authenticator.create({"rp": {"id": "testserver"},
                                                           "challenge": "AAAA"})}).status_code == 400
    options = _post_json(client, "accounts:key_register_options").json()
    foreign = SoftAuthenticator(origin="https://evil.example")
    assert _post_json(client, "accounts:key_register_verify",
                      {"credential": foreign.create(options)}).status_code == 400
    assert not SecurityKey.objects.exists()
    assert _events("mfa.key_enrol_failed") == 2
    # The same key twice is a conflict.
    _register(client, authenticator, "one")
    options = _post_json(client, "accounts:key_register_options").json()
    assert [c["id"] for c in options["excludeCredentials"]] == [SecurityKey.objects.get().credential_id]
    again = _post_json(client, "accounts:key_register_verify",
                       {"name": "two", "credential": authenticator.create(options)})
    assert again.status_code == 409 and SecurityKey.objects.count() == 1


def test_several_keys_and_removing_one(world, client):
    leader = world.user("tunxi", "leader")
    _verified(client, leader)
    first, second = SoftAuthenticator(), SoftAuthenticator()
    one = _register(client, first, "one")
    _register(client, second, "two")

    # Someone else's key is not found and stays.
    other = world.user("tunxi", "security")
    other_client = type(client)()
    _verified(other_client, other)
    assert other_client.post(reverse("accounts:key_remove", args=[one.pk])).status_code == 404
    assert SecurityKey.objects.filter(pk=one.pk).exists()

    assert client.post(reverse("accounts:key_remove", args=[one.pk])).status_code == 302

    assert list(SecurityKey.objects.values_list("name", flat=True)) == ["two"]
    removed = AuditEvent.objects.get(action="mfa.key_remove")
    assert removed.before == {"key": one.pk, "name": "one"}
    # The removed key no longer signs in; the other does.
    response, _options = _key_sign_in(client, leader, first)
    assert response.status_code == 400
    assert _key_sign_in(client, leader, second)[0].status_code == 200


def test_the_keys_page_needs_a_verified_session(world, client):
    leader = world.user("tunxi", "leader")
    _enrolled(leader)
    _sign_in(client, leader)
    assert client.get(reverse("accounts:key_list"))["Location"] == reverse("accounts:mfa_verify")
    assert _post_json(client, "accounts:key_register_options")["Location"] == reverse("accounts:mfa_verify")


def test_a_reset_removes_the_keys(world, client):
    from xueji.accounts import second_factor

    leader = world.user("tunxi_primary", "leader")
    _verified(client, leader)
    _register(client, SoftAuthenticator())
    security = world.user("tunxi", "security")
    second_factor.reset(actor=security, user=leader)
    assert not SecurityKey.objects.filter(user=leader).exists()
