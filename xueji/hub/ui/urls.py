"""Pages of the messages between provinces (included by config/urls.py; names are `hub:<name>`)."""

from django.urls import path

from xueji.hub.ui import views

app_name = "hub"
urlpatterns = [
    path("hub/inbox/", views.inbox, name="inbox"),
    path("hub/outbox/", views.outbox, name="outbox"),
]
