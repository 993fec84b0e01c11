"""Pages of 考勤与控辍保学, the special registers, 月报 and 举报 (included by config/urls.py; `attendance:<name>`)."""

from django.urls import path

from xueji.attendance.ui import views

app_name = "attendance"
urlpatterns = [
    path("attendance/classes/", views.class_list, name="class_list"),
    path("attendance/classes/<int:pk>/", views.class_grid, name="class_grid"),
    path("attendance/import/", views.absence_import, name="absence_import"),
    path("attendance/cases/", views.case_list, name="case_list"),
    path("attendance/cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("attendance/registers/migrant/", views.migrant_register, name="migrant"),
    path("attendance/registers/left-behind/", views.left_behind_register, name="left_behind"),
    path("attendance/registers/left-behind/<int:pk>/", views.left_behind_edit, name="left_behind_edit"),
    path("attendance/registers/eligibility/", views.eligibility, name="eligibility"),
    path("attendance/registers/eligibility/export/", views.eligibility_export, name="eligibility_export"),
    path("attendance/reports/", views.report_list, name="report_list"),
    path("attendance/reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("attendance/assessment/", views.assessment_page, name="assessment"),
    path("attendance/misuse/", views.misuse_list, name="misuse_list"),
    path("attendance/misuse/new/", views.misuse_new, name="misuse_new"),
    path("attendance/misuse/<int:pk>/", views.misuse_detail, name="misuse_detail"),
]
