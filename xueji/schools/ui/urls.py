"""Pages of schools (included by config/urls.py; names are `schools:<name>`)."""

from django.urls import path

from xueji.schools.ui import views

app_name = "schools"
urlpatterns = [
    path("schools/", views.school_list, name="school_list"),
    path("schools/new/", views.school_create, name="school_create"),
    path("schools/<int:pk>/", views.school_detail, name="school_detail"),
    path("schools/<int:pk>/edit/", views.school_edit, name="school_edit"),
    path("classes/", views.class_list, name="class_list"),
    path("classes/new/", views.class_create, name="class_create"),
    path("classes/<int:pk>/", views.class_detail, name="class_detail"),
    path("classes/<int:pk>/edit/", views.class_edit, name="class_edit"),
    path("school-years/", views.school_year_list, name="school_year_list"),
    path("school-years/new/", views.school_year_create, name="school_year_create"),
    path("school-years/<int:pk>/set-current/", views.school_year_set_current, name="school_year_set_current"),
]
