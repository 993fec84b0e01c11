"""Pages of 统计报表 (included by config/urls.py; names are `reports:<name>`)."""

from django.urls import path

from xueji.reports.ui import views

app_name = "reports"
urlpatterns = [
    path("reports/dashboard/", views.dashboard, name="dashboard"),
    path("reports/dashboard/export/", views.dashboard_export, name="dashboard_export"),
    path("reports/statistics/", views.statistics_list, name="statistics_list"),
    path("reports/statistics/<int:pk>/", views.statistics_detail, name="statistics_detail"),
    path("reports/funding/", views.funding, name="funding"),
    path("reports/funding/allocations/<int:pk>/", views.allocation_detail, name="allocation_detail"),
]
