"""Pages of the school year's turn (included by config/urls.py; names are `schoolyear:<name>`)."""

from django.urls import path

from xueji.schoolyear.ui import views

app_name = "schoolyear"
urlpatterns = [
    path("schoolyear/graduation/", views.graduation, name="graduation"),
    path("students/<int:pk>/graduation/revert/", views.graduation_revert, name="graduation_revert"),
    path("students/<int:pk>/graduation/destination/", views.graduate_destination, name="graduate_destination"),
    path("schoolyear/promotion/", views.promotion, name="promotion"),
    path("schoolyear/promotion/dry-run/", views.promotion_dry_run, name="promotion_dry_run"),
    path("schoolyear/promotion/start/", views.promotion_start, name="promotion_start"),
    path("schoolyear/promotion/schedule/", views.promotion_schedule, name="promotion_schedule"),
    path("schoolyear/promotion/schools/<int:pk>/exclude/", views.promotion_exclude, name="promotion_exclude"),
    path("schoolyear/promotion/schools/<int:pk>/include/", views.promotion_include, name="promotion_include"),
    path("schoolyear/promotion/schools/<int:pk>/promote/", views.promotion_school, name="promotion_school"),
    path("schoolyear/graduation/close/", views.graduation_close, name="graduation_close"),
    path("schoolyear/calendar/", views.year_calendar, name="calendar"),
    path("schoolyear/exam-results/", views.exam_results, name="exam_results"),
    path("schoolyear/graduation/senior/", views.senior_graduation, name="senior_graduation"),
]
