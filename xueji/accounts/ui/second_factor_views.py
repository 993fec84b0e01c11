"""The second factor's pages (T-MFA-01): the step after the password (TOTP, a security key, a UKey), first-sign-in
enrolment, and the user's own security keys and UKeys. Thin, as the other account pages (views.py): reads through
the second_factor, security_keys and ukey modules, refusals mapped in `xueji.ui.errors`."""

import json

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from xueji.accounts import second_factor, security_keys, security_settings, ukey
from xueji.accounts import selectors as account_selectors
from xueji.accounts.ui import forms
from xueji.core.errors import XuejiError
from xueji.ui.errors import error_message, errors_to_form, web_view
from xueji.ui.views import command_view, safe_next

# ---------------------------------------------------------------- sign-in

# ---------------------------------------------------------------- the second factor (T-MFA-01)

def _after_second_factor(request):
    if security_settings.password_expired(request.user):
        return redirect("accounts:password_change")
    return redirect(safe_next(request, reverse("ui:workbench")))


@sensitive_post_parameters("code")
@never_cache
@web_view()
def mfa_verify(request):
    """The second-factor step after the password: a code from the app or a recovery code. Open to a signed-in user
    whose session is not verified yet (the middleware lets it through); the first time it sends to the
    enrolment."""
    if not second_factor.required(request.user) or second_factor.session_verified(request):
        return _after_second_factor(request)
    if not second_factor.is_enrolled(request.user):
        return redirect("accounts:mfa_enrol")
    form = forms.SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            second_factor.verify(request=request, user=request.user, code=form.cleaned_data["code"])
            return _after_second_factor(request)
    return _verify_page(request, form=form)


def _verify_page(request, *, form=None, ukey_form=None):
    """The second-factor step: the code form, and the account's other devices: its security keys (the page's
    script runs the WebAuthn ceremony) and, where the province allows it, its UKeys (a challenge to sign)."""
    user = request.user
    use_ukey = ukey.allowed(user) and ukey.has_device(user)
    return render(request, "accounts/mfa_verify.html", {
        "form": form or forms.SecondFactorForm(), "throttled": second_factor.throttled(user),
        "next": safe_next(request, ""), "has_totp": second_factor.totp_device(user) is not None,
        "has_keys": security_keys.has_keys(user), "use_ukey": use_ukey,
        "ukey_form": ukey_form or forms.UKeySignatureForm(),
        "ukey_challenge": ukey.challenge(request=request, purpose=ukey.VERIFY) if use_ukey else ""})


def _raw_json(text: str) -> HttpResponse:
    return HttpResponse(text, content_type="application/json")


def _json(run):
    """A JSON step of a ceremony (the page's script calls it): its result, or the refusal's code and message."""
    try:
        return run()
    except XuejiError as exc:
        return JsonResponse({"code": exc.code, "message": error_message(exc)}, status=exc.status_code)


def _nothing_to_verify() -> JsonResponse:
    """A ceremony step asked of a session that is already verified (or needs no second factor)."""
    return JsonResponse({"code": "second_factor_verified", "message": _("Nothing to verify.")}, status=409)


def _open_to_unverified(request) -> bool:
    """The second-factor step's own endpoints: a signed-in user who needs the factor and has not proved it."""
    return second_factor.required(request.user) and not second_factor.session_verified(request)


@never_cache
@web_view(methods=("POST",))
def mfa_key_options(request):
    """Step 1 of signing in with a security key: the options of navigator.credentials.get() (JSON)."""
    if not _open_to_unverified(request):
        return _nothing_to_verify()
    return _json(lambda: _raw_json(security_keys.authentication_options(request=request, user=request.user)))


@never_cache
@web_view(methods=("POST",))
def mfa_key_verify(request):
    """Step 2: the key's answer (JSON body); on success the session is verified and the answer says where to go."""
    if not _open_to_unverified(request):
        return _nothing_to_verify()

    def run():
        security_keys.authentication_verify(request=request, user=request.user, credential=request.body)
        return JsonResponse({"redirect": _after_second_factor(request)["Location"]})
    return _json(run)


@sensitive_post_parameters("signature")
@never_cache
@web_view(methods=("POST",))
def mfa_ukey_verify(request):
    """The second-factor step by UKey: the signature of the challenge the step showed."""
    if not _open_to_unverified(request):
        return _after_second_factor(request)
    form = forms.UKeySignatureForm(request.POST)
    if form.is_valid():
        with errors_to_form(form):
            ukey.verify(request=request, user=request.user, signature=form.cleaned_data["signature"])
            return _after_second_factor(request)
    return _verify_page(request, ukey_form=form)


@sensitive_post_parameters("code")
@never_cache
@web_view()
def mfa_enrol(request):
    """Enrolment (first sign-in, or after a reset): the QR code and the secret of a new TOTP device, confirmed with
    a first code; then the recovery codes, shown this once."""
    if not second_factor.required(request.user) or second_factor.session_verified(request):
        return _after_second_factor(request)
    if second_factor.is_enrolled(request.user):
        return redirect("accounts:mfa_verify")
    device = second_factor.enrolment_start(user=request.user)
    form = forms.SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            codes = second_factor.enrolment_confirm(request=request, user=request.user,
                                                    code=form.cleaned_data["code"])
            return render(request, "accounts/mfa_recovery_codes.html", {"codes": codes})
    return _enrol_page(request, device, form=form)


def _enrol_page(request, device, *, form=None, ukey_form=None):
    use_ukey = ukey.allowed(request.user)
    return render(request, "accounts/mfa_enrol.html", {
        "form": form or forms.SecondFactorForm(), "qr": second_factor.qr_svg(device),
        "secret": second_factor.secret_base32(device), "use_ukey": use_ukey,
        "ukey_form": ukey_form or forms.UKeyEnrolForm(),
        "ukey_challenge": ukey.challenge(request=request, purpose=ukey.ENROL) if use_ukey else ""})


@sensitive_post_parameters("signature")
@never_cache
@web_view(methods=("POST",))
def mfa_enrol_ukey(request):
    """The first sign-in's enrolment by UKey, where the province lets one replace the app: its public key and its
    signature of the challenge; then the recovery codes, shown this once."""
    if not _open_to_unverified(request) or second_factor.is_enrolled(request.user):
        return redirect("accounts:mfa_verify")
    form = forms.UKeyEnrolForm(request.POST)
    if form.is_valid():
        with errors_to_form(form):
            codes = second_factor.enrol_ukey(request=request, user=request.user, **form.cleaned_data)
            return render(request, "accounts/mfa_recovery_codes.html", {"codes": codes})
    return _enrol_page(request, second_factor.enrolment_start(user=request.user), ukey_form=form)


# ---------------------------------------------------------------- the user's own keys (a verified session)

@never_cache
@web_view(methods=("GET",))
def key_list(request):
    """安全密钥: the user's WebAuthn security keys and UKeys; add one (the page's script runs the ceremony), remove
    one. Open to every signed-in user (those who need a second factor have verified it to get here)."""
    return _key_page(request)


def _key_page(request, *, ukey_form=None):
    use_ukey = ukey.allowed(request.user)
    return render(request, "accounts/security_keys.html", {
        "keys": security_keys.keys_of(request.user), "ukeys": ukey.devices_of(request.user), "use_ukey": use_ukey,
        "max_keys": settings.XUEJI_WEBAUTHN_MAX_KEYS, "ukey_form": ukey_form or forms.UKeyEnrolForm(),
        "ukey_challenge": ukey.challenge(request=request, purpose=ukey.ENROL) if use_ukey else ""})


@never_cache
@web_view(methods=("POST",))
def key_register_options(request):
    """Step 1 of adding a security key: the options of navigator.credentials.create() (JSON)."""
    return _json(lambda: _raw_json(security_keys.registration_options(request=request, user=request.user)))


@never_cache
@web_view(methods=("POST",))
def key_register_verify(request):
    """Step 2: the key's answer (JSON body {"name": ..., "credential": ...}); the key is stored."""
    def run():
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        key = security_keys.registration_verify(request=request, user=request.user,
                                                credential=body.get("credential"), name=str(body.get("name", "")))
        messages.success(request, _("The security key %(name)s was added.") % {"name": key.name})
        return JsonResponse({"redirect": reverse("accounts:key_list")})
    return _json(run)


key_remove = command_view(
    None, get=account_selectors.security_key_get,
    run=lambda request, target: security_keys.remove(actor=request.user, key_id=target.pk),
    done=lambda target, _result: _("The security key %(name)s was removed.") % {"name": target.name},
    then="accounts:key_list")


@sensitive_post_parameters("signature")
@never_cache
@web_view(methods=("POST",))
def ukey_register(request):
    """Add a UKey from the keys page (where the province allows UKeys): its public key and its signature."""
    form = forms.UKeyEnrolForm(request.POST)
    if form.is_valid():
        with errors_to_form(form):
            device = ukey.enrol(request=request, user=request.user, **form.cleaned_data)
            messages.success(request, _("The UKey %(name)s was added.") % {"name": device.name})
            return redirect("accounts:key_list")
    return _key_page(request, ukey_form=form)


ukey_remove = command_view(
    None, get=account_selectors.ukey_get,
    run=lambda request, target: second_factor.ukey_remove(actor=request.user, device_id=target.pk),
    done=lambda target, _result: _("The UKey %(name)s was removed.") % {"name": target.name},
    then="accounts:key_list")
