"""The training API's routes (included by config/api_urls.py under api/v1/training/)."""

from django.urls import path

from xueji.training.api import views

urlpatterns = [
    path("training/courses/", views.CourseListApi.as_view(), name="training-course-list"),
    path("training/courses/<int:pk>/", views.CourseDetailApi.as_view(), name="training-course-detail"),
    path("training/courses/<int:pk>/questions/", views.QuestionListApi.as_view(), name="training-question-list"),
    path("training/questions/<int:pk>/", views.QuestionDetailApi.as_view(), name="training-question-detail"),
    path("training/courses/<int:pk>/sessions/", views.SessionCreateApi.as_view(), name="training-session-create"),
    path("training/courses/<int:pk>/exams/", views.ExamCreateApi.as_view(), name="training-exam-create"),
    path("training/sessions/<int:pk>/enrol/", views.SessionEnrolApi.as_view(), name="training-session-enrol"),
    path("training/sessions/<int:pk>/attendance/", views.SessionAttendanceApi.as_view(),
         name="training-session-attendance"),
    path("training/exams/<int:pk>/start/", views.ExamStartApi.as_view(), name="training-exam-start"),
    path("training/exams/<int:pk>/submit/", views.ExamSubmitApi.as_view(), name="training-exam-submit"),
    path("training/certificates/", views.CertificateListApi.as_view(), name="training-certificate-list"),
    path("training/certificates/<int:pk>/pdf/", views.CertificatePdfApi.as_view(), name="training-certificate-pdf"),
    path("training/verify/", views.CertificateVerifyApi.as_view(), name="training-verify"),
]
