"""Pages of 平台账号 and 服务统计 (included by config/urls.py; names are `platform:<name>`)."""

from django.urls import path

from xueji.support.ui import platform_views as views

app_name = "platform"
urlpatterns = [
    path("support/platform-accounts/", views.platform_accounts, name="accounts"),
    path("support/platform-accounts/<int:pk>/bind/", views.platform_bind, name="bind"),
    path("support/reports/", views.support_reports, name="reports"),
    path("support/reports/export/", views.support_report_export, name="report_export"),
]
