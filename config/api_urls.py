"""REST API v1. Every path here is walked by the jurisdiction matrix (xueji/web/tests/test_matrix.py)."""

from django.urls import path

from xueji.accounts.api import views as accounts
from xueji.audit.api import views as audit
from xueji.jobs.api import views as jobs
from xueji.regions.api import views as regions
from xueji.registry.api import views as registry
from xueji.schools.api import views as schools

app_name = "api"
urlpatterns = [
    path("auth/token/", accounts.TokenApi.as_view(), name="token"),
    path("auth/password/", accounts.PasswordChangeApi.as_view(), name="password-change"),
    path("me/", accounts.MeApi.as_view(), name="me"),
    path("users/", accounts.UserListApi.as_view(), name="user-list"),
    path("users/<int:pk>/", accounts.UserDetailApi.as_view(), name="user-detail"),
    path("users/<int:pk>/reset-password/", accounts.UserResetPasswordApi.as_view(), name="user-reset-password"),
    path("users/<int:pk>/active/", accounts.UserSetActiveApi.as_view(), name="user-set-active"),
    path("users/<int:pk>/unlock/", accounts.UserUnlockApi.as_view(), name="user-unlock"),
    path("regions/", regions.RegionListApi.as_view(), name="region-list"),
    path("org-units/", regions.OrgUnitListApi.as_view(), name="org-unit-list"),
    path("org-units/<int:pk>/", regions.OrgUnitDetailApi.as_view(), name="org-unit-detail"),
    path("schools/", schools.SchoolListApi.as_view(), name="school-list"),
    path("schools/<int:pk>/", schools.SchoolDetailApi.as_view(), name="school-detail"),
    path("classes/", schools.SchoolClassListApi.as_view(), name="class-list"),
    path("classes/<int:pk>/", schools.SchoolClassDetailApi.as_view(), name="class-detail"),
    path("school-years/", schools.SchoolYearListApi.as_view(), name="school-year-list"),
    path("school-years/<int:pk>/set-current/", schools.SchoolYearSetCurrentApi.as_view(),
         name="school-year-set-current"),
    path("students/", registry.StudentListApi.as_view(), name="student-list"),
    path("students/<int:pk>/", registry.StudentDetailApi.as_view(), name="student-detail"),
    path("students/export/", registry.StudentExportApi.as_view(), name="student-export"),
    path("audit-events/", audit.AuditEventListApi.as_view(), name="audit-event-list"),
    path("audit-events/<int:pk>/", audit.AuditEventDetailApi.as_view(), name="audit-event-detail"),
    path("jobs/", jobs.JobListApi.as_view(), name="job-list"),
    path("jobs/<int:pk>/", jobs.JobDetailApi.as_view(), name="job-detail"),
    path("jobs/<int:pk>/download/", jobs.JobDownloadApi.as_view(), name="job-download"),
]
