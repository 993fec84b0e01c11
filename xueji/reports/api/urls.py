"""The reports API's routes (included by config/api_urls.py under api/v1/reports/)."""

from django.urls import path

from xueji.reports.api import views

urlpatterns = [
    path("reports/dashboard/", views.DashboardApi.as_view(), name="reports-dashboard"),
    path("reports/statistics/", views.StatisticsListApi.as_view(), name="reports-statistics-list"),
    path("reports/statistics/<int:pk>/", views.StatisticsDetailApi.as_view(), name="reports-statistics-detail"),
    path("reports/funding/rules/", views.RuleListApi.as_view(), name="reports-rule-list"),
    path("reports/funding/allocations/", views.AllocationListApi.as_view(), name="reports-allocation-list"),
    path("reports/funding/allocations/<int:pk>/", views.AllocationDetailApi.as_view(),
         name="reports-allocation-detail"),
    path("reports/funding/allocations/<int:pk>/submit/", views.AllocationSubmitApi.as_view(),
         name="reports-allocation-submit"),
]
