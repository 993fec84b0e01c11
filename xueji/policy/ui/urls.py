"""Pages of policy (included by config/urls.py; names are `policy:<name>`)."""

from django.urls import path

from xueji.policy.ui import views

app_name = "policy"
urlpatterns = [
    path("policy/windows/", views.window_list, name="window_list"),
    path("policy/windows/new/", views.window_create, name="window_create"),
    path("policy/windows/<int:pk>/edit/", views.window_edit, name="window_edit"),
    path("policy/windows/<int:pk>/delete/", views.window_delete, name="window_delete"),
    path("policy/controlled-items/", views.controlled_items, name="controlled_items"),
    path("policy/class-caps/", views.cap_list, name="cap_list"),
    path("policy/switches/", views.switch_list, name="switch_list"),
    path("policy/routes/", views.route_list, name="route_list"),
    path("policy/routes/edit/", views.route_edit, name="route_edit"),
    path("policy/settings/", views.setting_list, name="setting_list"),
    path("policy/security/", views.security_settings, name="security_settings"),
]
