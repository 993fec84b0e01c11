"""Searches by ID number without the number in the URL (no ID in query strings, browser histories or access
logs). A list whose search box may hold an ID posts its filters; the search text is kept in the session and
the list's URL carries a hashed lookup token in its place (`?search=<token>`), so paging and going back work.

The token is an HMAC of the text keyed by the secret key and the user: it cannot be turned back into the
number, and another session holding it finds nothing."""

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from xueji.registry.presenters import presenter_for

SESSION_KEY = "xueji.searches"
KEEP = 20  # the latest searches of a session stay reachable by their token
TEXT, TOKEN = "q", "search"


def _searches(request) -> dict:
    return request.session.get(SESSION_KEY) or {}


def token_for(request, text: str) -> str:
    token = salted_hmac("xueji.search", f"{request.user.pk}|{text}").hexdigest()[:24]
    searches = dict(_searches(request))
    searches.pop(token, None)
    searches[token] = text
    request.session[SESSION_KEY] = dict(list(searches.items())[-KEEP:])
    return token


def text_for(request, token: str) -> str | None:
    return _searches(request).get(token)


def wants_redirect(request) -> bool:
    """A posted filter form, or a search text that came in a query string (an old link): move it out."""
    return request.method == "POST" or TEXT in request.GET


def redirect_without_text(request, url_name: str):
    """The list's address for the posted (or queried) filters, the search text replaced by its token."""
    data = (request.POST if request.method == "POST" else request.GET).copy()
    token = (data.pop(TOKEN, None) or [""])[-1]
    for key in ("csrfmiddlewaretoken", "page"):
        data.pop(key, None)
    text = (data.pop(TEXT, None) or [""])[-1].strip()
    if "*" in text and token:  # the masked text shown back to a user without the ID right: the same search
        text = text_for(request, token) or text
    if text:
        data[TOKEN] = token_for(request, text)
    query = data.urlencode()
    return redirect(reverse(url_name) + (f"?{query}" if query else ""))


def restore(request, data: QueryDict) -> tuple[QueryDict, str]:
    """The filters of a list's GET with the search text back in place of its token (and the token)."""
    data = data.copy()
    token = (data.pop(TOKEN, None) or [""])[-1]
    if token:
        text = text_for(request, token)
        if text is None:
            messages.warning(request, _("This search has expired; please search again."))
        else:
            data[TEXT] = text
    return data, token


def shown_back(form, data: QueryDict, user) -> None:
    """The search box shows the text back through the presenter (an ID masked for a user without the right)."""
    if TEXT in data:
        form.data = data.copy()
        form.data[TEXT] = presenter_for(user).text(data[TEXT])
