"""Pages of transfers (included by config/urls.py; names are `transfers:<name>`; pk: the transfer's, which is its
request's)."""

from django.urls import path

from xueji.transfers.ui import views

app_name = "transfers"
urlpatterns = [
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/inbox/", views.transfer_inbox, name="transfer_inbox"),
    path("transfers/find/", views.transfer_find, name="transfer_find"),
    path("transfers/new/", views.transfer_new, name="transfer_new"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/decide/", views.transfer_decide, name="transfer_decide"),
    path("transfers/<int:pk>/retrieve/", views.transfer_retrieve, name="transfer_retrieve"),
    path("transfers/<int:pk>/cancel/", views.transfer_cancel, name="transfer_cancel"),
    path("transfers/<int:pk>/form.pdf", views.transfer_form_pdf, name="transfer_form_pdf"),
]
