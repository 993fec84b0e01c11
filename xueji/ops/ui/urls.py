"""Pages of operations (included by config/urls.py; names are `ops:<name>`)."""

from django.urls import path

from xueji.ops.ui import views

app_name = "ops"
urlpatterns = [
    path("ops/status/", views.status, name="status"),
]
