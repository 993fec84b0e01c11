"""Pages of registration (included by config/urls.py; names are `registration:<name>`)."""

from django.urls import path

from xueji.registration.ui import views

app_name = "registration"
urlpatterns = [
    path("registration/new/", views.student_enter, name="student_enter"),
    path("registration/drafts/", views.draft_list, name="draft_list"),
    path("registration/drafts/<int:pk>/", views.draft_edit, name="draft_edit"),
    path("registration/drafts/<int:pk>/delete/", views.draft_delete, name="draft_delete"),
    path("registration/submit/", views.registration_submit, name="registration_submit"),
    path("registration/grade1/", views.grade1_lookup, name="grade1_lookup"),
    path("registration/returning/", views.returning_search, name="returning_search"),
    path("registration/returning/takeover/", views.returning_takeover, name="returning_takeover"),
]
