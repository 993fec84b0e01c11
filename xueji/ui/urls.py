"""Pages of ui (included by config/urls.py; names are `ui:<name>`)."""

from django.urls import path

from xueji.ui import views

app_name = "ui"
urlpatterns = [
    path("", views.workbench, name="workbench"),
]
