"""Pages of registry (included by config/urls.py; names are `registry:<name>`)."""

from django.urls import path

from xueji.registry.ui import views

app_name = "registry"
urlpatterns = [
    path("students/", views.student_list, name="student_list"),
    path("students/export/", views.student_export, name="student_export"),
    path("students/<int:pk>/", views.student_detail, name="student_detail"),
    path("students/<int:pk>/label/", views.student_label, name="student_label"),
    path("students/<int:pk>/timeline/", views.student_timeline, name="student_timeline"),
    path("students/<int:pk>/unmask/", views.student_unmask, name="student_unmask"),
    path("students/<int:pk>/card.pdf", views.student_card, name="student_card"),
]
