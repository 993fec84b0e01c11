"""Pages of regions (included by config/urls.py; names are `regions:<name>`)."""

from django.urls import path

from xueji.regions.ui import views

app_name = "regions"
urlpatterns = [
    path("orgs/", views.org_list, name="org_list"),
    path("orgs/<int:pk>/", views.org_detail, name="org_detail"),
]
