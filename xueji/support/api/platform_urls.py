"""The 平台账号 and 服务统计 API routes (included by config/api_urls.py)."""

from django.urls import path

from xueji.support.api import platform as views

urlpatterns = [
    path("support/platform-accounts/", views.AccountReportListApi.as_view(), name="support-account-report-list"),
    path("support/platform-accounts/<int:pk>/bind/", views.AccountReportBindApi.as_view(),
         name="support-account-report-bind"),
    path("support/reports/", views.SupportReportsApi.as_view(), name="support-reports"),
]
