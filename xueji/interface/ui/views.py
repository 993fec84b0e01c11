"""The province system administrator's pages of the data interface (数据接口): the clients with their totals, a
client's registration and changes, the rotation of its secret, its revocation, and its call log. Thin: the
interface's selectors read, its services write; a new secret is shown once, on the answer to the POST."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from xueji.accounts.permissions import Cap
from xueji.interface import selectors, services
from xueji.interface.choices import Item
from xueji.interface.filters import STATES, ApiClientFilterSet
from xueji.interface.ui import forms, tables
from xueji.ui.errors import errors_to_form, web_view
from xueji.ui.views import detail_page, form_page, list_page, paged

PAGE_SIZES = (25, 50, 100)


@web_view(Cap.INTERFACE_MANAGE, methods=("GET",))
def client_list(request):
    user = request.user
    form = ApiClientFilterSet(request.GET, user=user, page=True).form
    table = paged(request, tables.ApiClientTable(selectors.client_list(user=user, filters=form.filters())))
    totals = selectors.client_totals(user=user)
    here = reverse("interface:client_list")
    return list_page(
        request, title=_("Data interface: API clients"), icon="bi-plug", table=table, filter_form=form,
        template="interface/client_list.html", create_url=reverse("interface:client_create"),
        create_label=_("New client"), total=table.paginator.count, per_page=table.paginator.per_page,
        page_sizes=PAGE_SIZES, all_count=totals["all"],
        states=[{"value": value, "label": label, "count": totals[value], "url": f"{here}?state={value}",
                 "active": request.GET.get("state") == value} for value, label in STATES],
        intro=_("The province's own systems read pupils through these clients: each within its scope, with the "
                "items of its field profile, at most its calls per minute; every call is in its call log."))


@sensitive_variables("secret")
def _shown_once(request, client, secret, *, title):
    return render(request, "interface/secret.html", {
        "title": title, "client": client, "secret": secret,
        "detail_url": reverse("interface:client_detail", kwargs={"pk": client.pk})})


def _client_form(request, form, *, title, cancel_url, submit):
    """ui/form.html with the region cascade's assets (interface/client_form.html)."""
    return render(request, "interface/client_form.html", {"title": title, "form": form, "cancel_url": cancel_url,
                                                          "submit": submit})


@web_view(Cap.INTERFACE_MANAGE)
def client_create(request):
    form = forms.ClientForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            client, secret = services.client_register(actor=request.user, **form.cleaned_data)
            return _shown_once(request, client, secret, title=_("Client %(name)s registered") % {"name": client.name})
    return _client_form(request, form, title=_("New API client"), cancel_url=reverse("interface:client_list"),
                        submit=_("Register client"))


@web_view(Cap.INTERFACE_MANAGE, methods=("GET",))
def client_detail(request, pk):
    client = selectors.client_get(user=request.user, pk=pk)
    calls = paged(request, tables.CallTable(selectors.client_calls(user=request.user, client=client)))
    return detail_page(request, "interface/client_detail.html", client, name="client", calls=calls,
                       secrets=selectors.client_secrets(user=request.user, client=client),
                       items=[{"key": item, "label": Item(item).label, "unmasked": item in client.unmasked}
                              for item in client.items],
                       title=_("API client %(name)s") % {"name": client.name})


@web_view(Cap.INTERFACE_MANAGE)
def client_edit(request, pk):
    client = selectors.client_get(user=request.user, pk=pk)
    form = forms.ClientForm(request.POST or None, user=request.user, initial=forms.ClientForm.initial_from(client))
    back = reverse("interface:client_detail", kwargs={"pk": client.pk})
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            values = dict(form.cleaned_data)
            if form.fields["unmasked"].disabled:
                values["unmasked"] = client.unmasked  # kept as it is: the form does not offer it
            services.client_update(actor=request.user, client=client, **values)
            messages.success(request, _("The client was saved."))
            return redirect(back)
    return _client_form(request, form, title=_("Change API client %(name)s") % {"name": client.name}, cancel_url=back,
                        submit=_("Save"))


@web_view(Cap.INTERFACE_MANAGE)
def client_rotate(request, pk):
    client = selectors.client_get(user=request.user, pk=pk)
    form = forms.RotateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            secret = services.client_rotate(actor=request.user, client=client, **form.cleaned_data)
            return _shown_once(request, client, secret, title=_("New secret of %(name)s") % {"name": client.name})
    return form_page(request, form, title=_("Rotate the secret of %(name)s") % {"name": client.name},
                     cancel_url=reverse("interface:client_detail", kwargs={"pk": client.pk}),
                     submit=_("Issue a new secret"))


@web_view(Cap.INTERFACE_MANAGE)
def client_revoke(request, pk):
    client = selectors.client_get(user=request.user, pk=pk)
    form = forms.RevokeForm(request.POST or None)
    back = reverse("interface:client_detail", kwargs={"pk": client.pk})
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            services.client_revoke(actor=request.user, client=client)
            messages.success(request, _("The client was revoked."))
            return redirect(back)
    return form_page(request, form, title=_("Revoke %(name)s") % {"name": client.name}, cancel_url=back,
                     submit=_("Revoke"))
