"""Pages of problem records and national numbers (included by config/urls.py; names are `problems:<name>`)."""

from django.urls import path

from xueji.problems.ui import views

app_name = "problems"
urlpatterns = [
    path("problems/", views.problem_list, name="problem_list"),
    path("problems/scan/", views.problem_scan, name="problem_scan"),
    path("problems/<int:pk>/", views.problem_detail, name="problem_detail"),
    path("problems/<int:pk>/correct/", views.problem_correct, name="problem_correct"),
    path("problems/<int:pk>/delete/", views.problem_delete, name="problem_delete"),
    path("problems/<int:pk>/confirm/", views.problem_confirm, name="problem_confirm"),
    path("problems/<int:pk>/arbitrate/", views.problem_arbitrate, name="problem_arbitrate"),
    path("numbers/", views.number_lookup, name="number_lookup"),
]
