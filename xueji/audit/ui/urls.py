"""Pages of audit (included by config/urls.py; names are `audit:<name>`)."""

from django.urls import path

from xueji.audit.ui import views

app_name = "audit"
urlpatterns = [
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/<int:pk>/", views.audit_detail, name="audit_detail"),
    path("audit/chain/", views.audit_chain, name="audit_chain"),
    path("audit/evidence/", views.audit_evidence, name="audit_evidence"),
]
