"""Pages of identity verification (included by config/urls.py; names are `verification:<name>`)."""

from django.urls import path

from xueji.verification.ui import views

app_name = "verification"
urlpatterns = [
    path("verification/", views.verification_list, name="list"),
    path("verification/run/", views.verification_run, name="run"),
    path("verification/export/", views.verification_export, name="export"),
    path("verification/register/", views.register_load, name="register_load"),
    path("verification/<int:pk>/", views.verification_detail, name="detail"),
    path("verification/<int:pk>/file/", views.verification_file, name="file"),
    path("verification/<int:pk>/answers/", views.verification_answers, name="answers"),
]
