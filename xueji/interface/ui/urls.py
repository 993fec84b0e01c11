"""Pages of the data interface (included by config/urls.py; names are `interface:<name>`)."""

from django.urls import path

from xueji.interface.ui import views

app_name = "interface"
urlpatterns = [
    path("interface/clients/", views.client_list, name="client_list"),
    path("interface/clients/new/", views.client_create, name="client_create"),
    path("interface/clients/<int:pk>/", views.client_detail, name="client_detail"),
    path("interface/clients/<int:pk>/edit/", views.client_edit, name="client_edit"),
    path("interface/clients/<int:pk>/rotate/", views.client_rotate, name="client_rotate"),
    path("interface/clients/<int:pk>/revoke/", views.client_revoke, name="client_revoke"),
]
