"""Pages of jobs (included by config/urls.py; names are `jobs:<name>`)."""

from django.urls import path

from xueji.jobs.ui import views

app_name = "jobs"
urlpatterns = [
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("jobs/<int:pk>/download/", views.job_download, name="job_download"),
    path("jobs/<int:pk>/rerun/", views.job_rerun, name="job_rerun"),
]
