"""Pages of accounts (included by config/urls.py; names are `accounts:<name>`)."""

from django.urls import path

from xueji.accounts.ui import views

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
    path("second-factor/", views.mfa_verify, name="mfa_verify"),
    path("second-factor/enrol/", views.mfa_enrol, name="mfa_enrol"),
    path("auditors/", views.auditor_list, name="auditor_list"),
    path("auditors/new/", views.auditor_create, name="auditor_create"),
    path("auditors/<int:pk>/reset-password/", views.auditor_reset_password, name="auditor_reset_password"),
    path("auditors/<int:pk>/active/", views.auditor_set_active, name="auditor_set_active"),
]
