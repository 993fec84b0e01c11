"""Pages of admission (included by config/urls.py; names are `admissions:<name>`)."""

from django.urls import path

from xueji.admissions.ui import views

app_name = "admissions"
urlpatterns = [
    path("admissions/plans/", views.plan_list, name="plan_list"),
    path("admissions/plan-changes/", views.plan_change_list, name="plan_change_list"),
    path("admissions/plan-changes/new/", views.plan_change_new, name="plan_change_new"),
    path("admissions/plan-changes/<int:pk>/decide/", views.plan_change_decide, name="plan_change_decide"),
    path("admissions/imports/", views.batch_list, name="batch_list"),
    path("admissions/imports/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("admissions/imports/<int:pk>/errors/", views.batch_errors, name="batch_errors"),
    path("admissions/template/", views.template_download, name="template"),
    path("admissions/", views.admission_list, name="admission_list"),
    path("admissions/apply/", views.admission_apply, name="admission_apply"),
    path("admissions/duplicates/", views.duplicate_list, name="duplicate_list"),
    path("admissions/<int:pk>/keep/", views.admission_keep, name="admission_keep"),
    path("admissions/<int:pk>/withdraw/", views.admission_withdraw, name="admission_withdraw"),
    path("admissions/entries/", views.entry_list, name="entry_list"),
    path("admissions/entries/new/", views.entry_new, name="entry_new"),
    path("admissions/entries/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("admissions/entries/<int:pk>/retrieve/", views.entry_retrieve, name="entry_retrieve"),
    path("admissions/catchments/", views.catchment_list, name="catchment_list"),
    path("admissions/catchments/<int:pk>/delete/", views.catchment_delete, name="catchment_delete"),
    path("admissions/catchments/run/", views.catchment_run, name="catchment_run"),
]
