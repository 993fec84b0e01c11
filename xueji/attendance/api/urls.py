"""The attendance API's routes (included by config/api_urls.py under api/v1/attendance/)."""

from django.urls import path

from xueji.attendance.api import views

urlpatterns = [
    path("attendance/classes/<int:pk>/absences/", views.ClassAbsencesApi.as_view(), name="attendance-class-absences"),
    path("attendance/absences/import/", views.AbsenceImportApi.as_view(), name="attendance-absence-import"),
    path("attendance/cases/", views.CaseListApi.as_view(), name="attendance-case-list"),
    path("attendance/cases/totals/", views.CaseTotalsApi.as_view(), name="attendance-case-totals"),
    path("attendance/cases/<int:pk>/", views.CaseDetailApi.as_view(), name="attendance-case-detail"),
    path("attendance/cases/<int:pk>/follow-ups/", views.CaseFollowUpApi.as_view(), name="attendance-case-follow-up"),
    path("attendance/registers/migrant/", views.MigrantApi.as_view(), name="attendance-migrant"),
    path("attendance/registers/left-behind/", views.LeftBehindListApi.as_view(), name="attendance-left-behind"),
    path("attendance/registers/left-behind/<int:pk>/", views.LeftBehindEntryApi.as_view(),
         name="attendance-left-behind-entry"),
    path("attendance/registers/eligibility/", views.EligibilityApi.as_view(), name="attendance-eligibility"),
    path("attendance/reports/", views.ReportListApi.as_view(), name="attendance-report-list"),
    path("attendance/reports/status/", views.ReportStatusApi.as_view(), name="attendance-report-status"),
    path("attendance/reports/<int:pk>/", views.ReportDetailApi.as_view(), name="attendance-report-detail"),
    path("attendance/reports/<int:pk>/sign/", views.ReportSignApi.as_view(), name="attendance-report-sign"),
    path("attendance/reports/<int:pk>/submit/", views.ReportSubmitApi.as_view(), name="attendance-report-submit"),
    path("attendance/assessment/", views.AssessmentApi.as_view(), name="attendance-assessment"),
    path("attendance/misuse/", views.MisuseListApi.as_view(), name="attendance-misuse-list"),
    path("attendance/misuse/<int:pk>/", views.MisuseDetailApi.as_view(), name="attendance-misuse-detail"),
    path("attendance/misuse/<int:pk>/handle/", views.MisuseHandleApi.as_view(), name="attendance-misuse-handle"),
]
