"""Pages of accounts (included by config/urls.py; names are `accounts:<name>`)."""

from django.urls import path

from xueji.accounts.ui import second_factor_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/edit/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/reset-password/", views.user_reset_password, name="user_reset_password"),
    path("users/<int:pk>/active/", views.user_set_active, name="user_set_active"),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user_unlock"),
    path("security/users/", views.security_user_list, name="security_user_list"),
    path("users/<int:pk>/reset-second-factor/", views.user_reset_second_factor, name="user_reset_second_factor"),
    path("second-factor/", second_factor_views.mfa_verify, name="mfa_verify"),
    path("second-factor/enrol/", second_factor_views.mfa_enrol, name="mfa_enrol"),
    path("second-factor/enrol/ukey/", second_factor_views.mfa_enrol_ukey, name="mfa_enrol_ukey"),
    path("second-factor/key/options/", second_factor_views.mfa_key_options, name="mfa_key_options"),
    path("second-factor/key/verify/", second_factor_views.mfa_key_verify, name="mfa_key_verify"),
    path("second-factor/ukey/", second_factor_views.mfa_ukey_verify, name="mfa_ukey_verify"),
    path("security-keys/", second_factor_views.key_list, name="key_list"),
    path("security-keys/options/", second_factor_views.key_register_options, name="key_register_options"),
    path("security-keys/register/", second_factor_views.key_register_verify, name="key_register_verify"),
    path("security-keys/<int:pk>/remove/", second_factor_views.key_remove, name="key_remove"),
    path("security-keys/ukey/", second_factor_views.ukey_register, name="ukey_register"),
    path("security-keys/ukey/<int:pk>/remove/", second_factor_views.ukey_remove, name="ukey_remove"),
    path("auditors/", views.auditor_list, name="auditor_list"),
    path("auditors/new/", views.auditor_create, name="auditor_create"),
    path("auditors/<int:pk>/reset-password/", views.auditor_reset_password, name="auditor_reset_password"),
    path("auditors/<int:pk>/active/", views.auditor_set_active, name="auditor_set_active"),
    path("loans/", views.loan_list, name="loan_list"),
    path("loans/new/", views.loan_file, name="loan_file"),
    path("loans/<int:pk>/act/", views.loan_act, name="loan_act"),
    path("loans/<int:pk>/end/", views.loan_end, name="loan_end"),
    path("loans/stop/", views.loan_stop, name="loan_stop"),
    path("security/users/<int:pk>/roles/", views.security_user_roles, name="security_user_roles"),
    path("security/loans/", views.security_loan_list, name="security_loan_list"),
    path("security/loans/<int:pk>/approve/", views.loan_approve, name="loan_approve"),
    path("security/loans/<int:pk>/refuse/", views.loan_refuse, name="loan_refuse"),
    path("security/alerts/", views.alert_list, name="alert_list"),
    path("security/alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("security/alerts/<int:pk>/status/", views.alert_set_status, name="alert_set_status"),
]
