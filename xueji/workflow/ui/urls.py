"""Pages of workflow (included by config/urls.py; names are `workflow:<name>`)."""

from django.urls import path

from xueji.workflow.ui import views

app_name = "workflow"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/approve/", views.inbox_decide, name="inbox_decide"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("requests/<int:pk>/resubmit/", views.request_resubmit, name="request_resubmit"),
    path("requests/<int:pk>/proofs/", views.proof_upload, name="proof_upload"),
    path("proofs/<int:pk>/", views.proof_download, name="proof_download"),
]
