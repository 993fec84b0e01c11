"""REST API v1. Every path here is walked by the jurisdiction matrix (xueji/ui/tests/test_matrix.py)."""

from django.urls import include, path

from xueji.accounts.api import views as accounts
from xueji.admissions.api import views as admissions
from xueji.audit.api import views as audit
from xueji.changes.api import views as changes
from xueji.exchange.api import views as exchange
from xueji.hub.api import views as hub
from xueji.jobs.api import views as jobs
from xueji.policy.api import views as policy
from xueji.problems.api import views as problem_api
from xueji.regions.api import views as regions
from xueji.registration.api import views as registration
from xueji.registry.api import views as registry
from xueji.schools.api import views as schools
from xueji.schoolyear.api import views as schoolyear
from xueji.transfers.api import views as transfers
from xueji.verification.api import views as verification_api
from xueji.workflow.api import views as workflow

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
    path("security/users/", accounts.SecurityUserListApi.as_view(), name="security-user-list"),
    path("users/<int:pk>/reset-second-factor/", accounts.UserResetSecondFactorApi.as_view(),
         name="user-reset-second-factor"),
    path("security/users/<int:pk>/roles/", accounts.SecurityUserRolesApi.as_view(), name="security-user-roles"),
    path("loans/", accounts.LoanListApi.as_view(), name="loan-list"),
    path("security/loans/", accounts.SecurityLoanListApi.as_view(), name="security-loan-list"),
    path("security/loans/<int:pk>/decide/", accounts.LoanDecideApi.as_view(), name="loan-decide"),
    path("security/alerts/", accounts.AlertListApi.as_view(), name="alert-list"),
    path("security/alerts/<int:pk>/", accounts.AlertDetailApi.as_view(), name="alert-detail"),
    path("auditors/", accounts.AuditorListApi.as_view(), name="auditor-list"),
    path("auditors/<int:pk>/reset-password/", accounts.AuditorResetPasswordApi.as_view(),
         name="auditor-reset-password"),
    path("auditors/<int:pk>/active/", accounts.AuditorSetActiveApi.as_view(), name="auditor-set-active"),
    path("regions/", regions.RegionListApi.as_view(), name="region-list"),
    path("regions/children/", regions.RegionChildrenApi.as_view(), name="region-children"),
    path("org-units/", regions.OrgUnitListApi.as_view(), name="org-unit-list"),
    path("org-units/<int:pk>/", regions.OrgUnitDetailApi.as_view(), name="org-unit-detail"),
    path("schools/", schools.SchoolListApi.as_view(), name="school-list"),
    path("schools/choices/", schools.SchoolChoicesApi.as_view(), name="school-choices"),
    path("schools/<int:pk>/", schools.SchoolDetailApi.as_view(), name="school-detail"),
    path("classes/", schools.SchoolClassListApi.as_view(), name="class-list"),
    path("classes/choices/", schools.ClassChoicesApi.as_view(), name="class-choices"),
    path("classes/<int:pk>/", schools.SchoolClassDetailApi.as_view(), name="class-detail"),
    path("school-years/", schools.SchoolYearListApi.as_view(), name="school-year-list"),
    path("school-years/<int:pk>/set-current/", schools.SchoolYearSetCurrentApi.as_view(),
         name="school-year-set-current"),
    path("students/", registry.StudentListApi.as_view(), name="student-list"),
    path("students/search/", registry.StudentSearchApi.as_view(), name="student-search"),
    path("students/enter/", registration.StudentEnterApi.as_view(), name="student-enter"),
    path("students/<int:pk>/correct/", registration.StudentCorrectApi.as_view(), name="student-correct"),
    path("students/<int:pk>/", registry.StudentDetailApi.as_view(), name="student-detail"),
    path("students/<int:pk>/timeline/", registry.StudentTimelineApi.as_view(), name="student-timeline"),
    path("students/<int:pk>/unmask/", registry.StudentUnmaskApi.as_view(), name="student-unmask"),
    path("students/<int:pk>/as-of/", registry.StudentAsOfApi.as_view(), name="student-as-of"),
    path("students/export/", registry.StudentExportApi.as_view(), name="student-export"),
    path("audit-events/", audit.AuditEventListApi.as_view(), name="audit-event-list"),
    path("audit-events/<int:pk>/", audit.AuditEventDetailApi.as_view(), name="audit-event-detail"),
    path("jobs/", jobs.JobListApi.as_view(), name="job-list"),
    path("jobs/<int:pk>/", jobs.JobDetailApi.as_view(), name="job-detail"),
    path("jobs/<int:pk>/download/", jobs.JobDownloadApi.as_view(), name="job-download"),
    path("jobs/<int:pk>/rerun/", jobs.JobRerunApi.as_view(), name="job-rerun"),
    path("requests/", workflow.RequestListApi.as_view(), name="request-list"),
    path("requests/<int:pk>/", workflow.RequestDetailApi.as_view(), name="request-detail"),
    path("requests/<int:pk>/decide/", workflow.DecideApi.as_view(), name="request-decide"),
    path("requests/<int:pk>/withdraw/", workflow.WithdrawApi.as_view(), name="request-withdraw"),
    path("requests/<int:pk>/resubmit/", workflow.ResubmitApi.as_view(), name="request-resubmit"),
    path("requests/<int:pk>/reject/", workflow.RejectApi.as_view(), name="request-reject"),
    path("requests/<int:pk>/cancel/", workflow.CancelApi.as_view(), name="request-cancel"),
    path("requests/<int:pk>/complete/", workflow.CompleteApi.as_view(), name="request-complete"),
    path("requests/<int:pk>/proofs/", workflow.ProofUploadApi.as_view(), name="request-proof-upload"),
    path("requests/bulk-decide/", workflow.BulkDecideApi.as_view(), name="request-bulk-decide"),
    path("proofs/<int:pk>/", workflow.ProofDownloadApi.as_view(), name="proof-download"),
    path("inbox/", workflow.InboxApi.as_view(), name="inbox"),
    path("policy/windows/", policy.WindowListApi.as_view(), name="window-list"),
    path("policy/windows/<int:pk>/", policy.WindowDetailApi.as_view(), name="window-detail"),
    path("policy/routes/", policy.RouteListApi.as_view(), name="route-list"),
    path("policy/settings/", policy.SettingListApi.as_view(), name="setting-list"),
    path("policy/switches/", policy.SwitchListApi.as_view(), name="switch-list"),
    path("policy/controlled-items/", policy.ControlledItemListApi.as_view(), name="controlled-item-list"),
    path("policy/class-caps/", policy.ClassCapListApi.as_view(), name="class-cap-list"),
    path("policy/classes/<int:pk>/cap/", policy.ClassCapDetailApi.as_view(), name="class-cap-detail"),
    path("registrations/", registration.RegistrationSubmitApi.as_view(), name="registration-submit"),
    path("registrations/returning/search/", registration.ReturningSearchApi.as_view(), name="returning-search"),
    path("registrations/returning/takeover/", registration.ReturningTakeoverApi.as_view(),
         name="returning-takeover"),
    path("preschool-records/lookup/", registration.PreschoolLookupApi.as_view(), name="preschool-lookup"),
    path("imports/", exchange.ImportBatchListApi.as_view(), name="import-list"),
    path("imports/template/", exchange.ImportTemplateApi.as_view(), name="import-template"),
    path("imports/<int:pk>/", exchange.ImportBatchDetailApi.as_view(), name="import-detail"),
    path("imports/<int:pk>/errors/", exchange.ImportErrorReportApi.as_view(), name="import-errors"),
    # Identity verification (xueji/verification/api/), problem records (问题学籍) and national numbers
    # (xueji/problems/api/).
    path("verification/runs/", verification_api.VerificationRunApi.as_view(), name="verification-run"),
    path("verification/exports/", verification_api.VerificationExportApi.as_view(), name="verification-export"),
    path("verification/batches/", verification_api.VerificationBatchListApi.as_view(),
         name="verification-batch-list"),
    path("verification/batches/<int:pk>/", verification_api.VerificationBatchDetailApi.as_view(),
         name="verification-batch-detail"),
    path("verification/batches/<int:pk>/file/", verification_api.VerificationBatchFileApi.as_view(),
         name="verification-batch-file"),
    path("verification/batches/<int:pk>/answers/", verification_api.VerificationAnswersApi.as_view(),
         name="verification-answers"),
    path("population-register/loads/", verification_api.RegisterLoadApi.as_view(), name="register-load"),
    path("problems/", problem_api.ProblemListApi.as_view(), name="problem-list"),
    path("problems/summary/", problem_api.ProblemSummaryApi.as_view(), name="problem-summary"),
    path("problems/scans/", problem_api.ProblemScanApi.as_view(), name="problem-scan"),
    path("problems/<int:pk>/", problem_api.ProblemDetailApi.as_view(), name="problem-detail"),
    path("problems/<int:pk>/correct/", problem_api.ProblemCorrectApi.as_view(), name="problem-correct"),
    path("problems/<int:pk>/delete/", problem_api.ProblemDeleteApi.as_view(), name="problem-delete"),
    path("problems/<int:pk>/confirm/", problem_api.ProblemConfirmApi.as_view(), name="problem-confirm"),
    path("problems/<int:pk>/arbitrate/", problem_api.ProblemArbitrateApi.as_view(), name="problem-arbitrate"),
    path("numbers/lookup/", problem_api.NumberLookupApi.as_view(), name="number-lookup"),
    # Record maintenance (学籍信息修改), family members and status changes (异动) (xueji/changes/api/).
    path("students/<int:pk>/record/", changes.StudentRecordApi.as_view(), name="student-record"),
    path("students/<int:pk>/family/", changes.FamilyListApi.as_view(), name="family-list"),
    path("family-members/<int:pk>/", changes.FamilyMemberApi.as_view(), name="family-member"),
    path("students/<int:pk>/status-changes/", changes.StatusChangeFileApi.as_view(), name="status-change-file"),
    path("students/<int:pk>/status-change-options/", changes.StatusChangeOptionsApi.as_view(),
         name="status-change-options"),
    path("change-requests/", changes.ChangeRequestListApi.as_view(), name="change-request-list"),
    path("status-changes/", changes.StatusChangeListApi.as_view(), name="status-change-list"),
    path("dropouts/", changes.DropoutListApi.as_view(), name="dropout-list"),
    # The messages between provinces (xueji/hub/api/): the province's outbox and inbox, read-only.
    path("hub/outbox/", hub.OutboxListApi.as_view(), name="hub-outbox-list"),
    path("hub/inbox/", hub.InboxListApi.as_view(), name="hub-inbox-list"),
    # Transfers (转学, xueji/transfers/api/): deciding goes through the engine's endpoints (request-decide, ...).
    path("transfers/find/", transfers.TransferFindApi.as_view(), name="transfer-find"),
    path("transfers/file/", transfers.TransferFileApi.as_view(), name="transfer-file"),
    path("transfers/", transfers.TransferListApi.as_view(), name="transfer-list"),
    path("transfers/inbox/", transfers.TransferInboxApi.as_view(), name="transfer-inbox"),
    path("transfers/<int:pk>/", transfers.TransferDetailApi.as_view(), name="transfer-detail"),
    path("transfers/<int:pk>/retrieve/", transfers.TransferRetrieveApi.as_view(), name="transfer-retrieve"),
    path("transfers/<int:pk>/cancel/", transfers.TransferCancelApi.as_view(), name="transfer-cancel"),
    # The school year's turn (xueji/schoolyear/api/): graduation of a compulsory final grade, the promotion.
    path("graduation/", schoolyear.GraduationApi.as_view(), name="graduation"),
    path("graduation/close/", schoolyear.GraduationCloseApi.as_view(), name="graduation-close"),
    path("graduation/senior/", schoolyear.SeniorGraduationApi.as_view(), name="senior-graduation"),
    path("exam-results/", schoolyear.ExamResultsApi.as_view(), name="exam-results"),
    path("graduates/", schoolyear.GraduateListApi.as_view(), name="graduate-list"),
    path("students/<int:pk>/graduation/", schoolyear.StudentGraduationApi.as_view(), name="student-graduation"),
    path("students/<int:pk>/graduation/revert/", schoolyear.GraduationRevertApi.as_view(),
         name="graduation-revert"),
    path("promotion/", schoolyear.PromotionApi.as_view(), name="promotion"),
    path("promotion/check/", schoolyear.PromotionCheckApi.as_view(), name="promotion-check"),
    path("promotion/dry-run/", schoolyear.PromotionDryRunApi.as_view(), name="promotion-dry-run"),
    path("promotion/start/", schoolyear.PromotionStartApi.as_view(), name="promotion-start"),
    path("promotion/schedule/", schoolyear.PromotionScheduleApi.as_view(), name="promotion-schedule"),
    path("promotion/schools/<int:pk>/exclude/", schoolyear.PromotionExcludeApi.as_view(), name="promotion-exclude"),
    path("promotion/schools/<int:pk>/include/", schoolyear.PromotionIncludeApi.as_view(), name="promotion-include"),
    path("promotion/schools/<int:pk>/promote/", schoolyear.PromotionSchoolApi.as_view(), name="promotion-school"),
    # Admission (招生, xueji/admissions/api/): plans, plan changes, results imports, duplicates, the admission run.
    path("admissions/plans/", admissions.PlanListApi.as_view(), name="admission-plan-list"),
    path("admissions/plan-changes/", admissions.PlanChangeListApi.as_view(), name="admission-plan-change-list"),
    path("admissions/plan-changes/<int:pk>/decide/", admissions.PlanChangeDecideApi.as_view(),
         name="admission-plan-change-decide"),
    path("admissions/imports/", admissions.BatchListApi.as_view(), name="admission-batch-list"),
    path("admissions/imports/<int:pk>/", admissions.BatchDetailApi.as_view(), name="admission-batch-detail"),
    path("admissions/template/", admissions.TemplateApi.as_view(), name="admission-template"),
    path("admissions/", admissions.AdmissionListApi.as_view(), name="admission-list"),
    # 毕业后跨省就学: the entries of graduates of another province, filed by the receiving school; 调档.
    path("admissions/entries/", admissions.EntryListApi.as_view(), name="admission-entry-list"),
    path("admissions/entries/<int:pk>/", admissions.EntryDetailApi.as_view(), name="admission-entry-detail"),
    path("admissions/entries/<int:pk>/retrieve/", admissions.EntryRetrieveApi.as_view(),
         name="admission-entry-retrieve"),
    path("admissions/<int:pk>/keep/", admissions.AdmissionKeepApi.as_view(), name="admission-keep"),
    path("admissions/<int:pk>/withdraw/", admissions.AdmissionWithdrawApi.as_view(), name="admission-withdraw"),
    path("admissions/apply/", admissions.ApplyApi.as_view(), name="admission-apply"),
    path("admissions/catchments/", admissions.CatchmentListApi.as_view(), name="admission-catchment-list"),
    path("admissions/catchments/<int:pk>/", admissions.CatchmentDetailApi.as_view(), name="admission-catchment-detail"),
    path("admissions/catchments/run/", admissions.CatchmentRunApi.as_view(), name="admission-catchment-run"),
    # 服务支持 (xueji/support/api/): tickets, the FAQ, announcements.
    path("", include("xueji.support.api.urls")),
    # 培训考试 (xueji/training/api/): courses, sessions, exams, certificates, the public verification.
    path("", include("xueji.training.api.urls")),
    path("", include("xueji.support.api.platform_urls")),  # 平台账号, 服务统计
    # 考勤, 控辍保学, registers, 月报, 举报 (xueji/attendance/api/).
    path("", include("xueji.attendance.api.urls")),
    # 统计报表 (xueji/reports/api/): dashboards, statistics returns and their comparison, funding.
    path("", include("xueji.reports.api.urls")),
    # 数据接口 (xueji/interface/api/): the province's own systems read pupils and the change feed with client
    # credentials (Authorization: Client <id>:<secret>), never a user's.
    path("", include("xueji.interface.api.urls")),
]
