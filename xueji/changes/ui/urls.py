"""Pages of record maintenance and status changes (included by config/urls.py; names are `changes:<name>`). The
pupil's page links to `record_edit`, `family_list` and `status_change_new` (pk: the pupil)."""

from django.urls import path

from xueji.changes.ui import views

app_name = "changes"
urlpatterns = [
    path("students/<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("students/<int:pk>/family/", views.family_list, name="family_list"),
    path("students/<int:pk>/family/add/", views.family_add, name="family_add"),
    path("family-members/<int:pk>/edit/", views.family_edit, name="family_edit"),
    path("family-members/<int:pk>/remove/", views.family_remove, name="family_remove"),
    path("students/<int:pk>/status-change/", views.status_change_new, name="status_change_new"),
    path("changes/requests/", views.request_list, name="request_list"),
    path("changes/status-changes/", views.status_change_list, name="status_change_list"),
    path("changes/dropouts/", views.dropout_list, name="dropout_list"),
]
