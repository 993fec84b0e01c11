"""Pages of exchange (included by config/urls.py; names are `exchange:<name>`)."""

from django.urls import path

from xueji.exchange.ui import views

app_name = "exchange"
urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/", views.import_upload, name="import_upload"),
    path("imports/template/", views.import_template, name="import_template"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/errors/", views.import_errors, name="import_errors"),
]
