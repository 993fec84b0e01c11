"""The data interface's endpoints (included by config/api_urls.py under /api/v1/interface/)."""

from django.urls import path

from xueji.interface.api import views

urlpatterns = [
    path("interface/pupils/", views.PupilListApi.as_view(), name="interface-pupil-list"),
    path("interface/pupils/<int:pk>/", views.PupilDetailApi.as_view(), name="interface-pupil-detail"),
    path("interface/changes/", views.ChangeFeedApi.as_view(), name="interface-changes"),
]
