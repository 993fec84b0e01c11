"""Pages of 培训考试 (included by config/urls.py; names are `training:<name>`)."""

from django.urls import path

from xueji.training.ui import views

app_name = "training"
urlpatterns = [
    path("training/", views.course_list, name="course_list"),
    path("training/courses/new/", views.course_new, name="course_new"),
    path("training/courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("training/courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("training/questions/<int:pk>/edit/", views.question_edit, name="question_edit"),
    path("training/questions/<int:pk>/delete/", views.question_delete, name="question_delete"),
    path("training/courses/<int:pk>/sessions/", views.session_new, name="session_new"),
    path("training/courses/<int:pk>/questions/", views.question_new, name="question_new"),
    path("training/courses/<int:pk>/exams/", views.exam_new, name="exam_new"),
    path("training/sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("training/sessions/<int:pk>/enrol/", views.session_enrol, name="session_enrol"),
    path("training/exams/<int:pk>/", views.exam_take, name="exam_take"),
    path("training/certificates/", views.certificate_list, name="certificate_list"),
    path("training/certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("training/verify/", views.verify, name="verify"),
]
