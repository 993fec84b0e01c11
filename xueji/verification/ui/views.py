"""Pages of identity verification (公安身份核查): runs, exports of the register's files and their answers, register
loads. Reads through the verification selectors, writes through the verification services."""

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xueji.accounts.permissions import Cap, has_cap
from xueji.jobs.ui.views import job_context
from xueji.ui.errors import web_view
from xueji.ui.views import paged
from xueji.verification import selectors
from xueji.verification import services as verification_services
from xueji.verification.choices import VerifyResult
from xueji.verification.ui import forms, tables


@web_view(Cap.VERIFY_RUN, methods=("GET",))
def verification_list(request):
    user = request.user
    batches = selectors.batch_list(user=user)
    table = paged(request, tables.VerificationBatchTable(batches), lazy=True)
    return render(request, "verification/verification_list.html", {
        "table": table, "run_form": forms.ScopeForm(user=user, auto_id="run_%s"),
        "export_form": forms.ScopeForm(user=user, auto_id="export_%s"),
        "can_load": has_cap(user, Cap.REGISTER_LOAD), "load_form": forms.FileForm()})


def _scope(request):
    form = forms.ScopeForm(request.POST, user=request.user)
    form.is_valid()  # an org unit outside the jurisdiction answered 404 already (ScopedChoiceField)
    return form.cleaned_data.get("org_unit") or request.user.org_unit


@web_view(Cap.VERIFY_RUN, methods=("POST",))
def verification_run(request):
    scope = _scope(request)
    job = verification_services.verification_start(actor=request.user, org_unit=scope)
    messages.success(request, _("Verification of %(scope)s started: pupils found in the register are verified "
                                "and get their national number; ID errors become problem records.") % {
        "scope": scope.name})
    return redirect("jobs:job_detail", pk=job.pk)


@web_view(Cap.VERIFY_RUN, methods=("POST",))
def verification_export(request):
    scope = _scope(request)
    job = verification_services.verification_export_start(actor=request.user, org_unit=scope)
    messages.success(request, _("The file of pupils to check is being written; download it from its batch when "
                                "the job has finished."))
    return redirect("jobs:job_detail", pk=job.pk)


@web_view(Cap.VERIFY_RUN, methods=("GET",))
def verification_detail(request, pk):
    batch = selectors.batch_get(user=request.user, pk=pk)
    counts = [(VerifyResult(key).label, value) for key, value in (batch.counts or {}).items()
              if key in VerifyResult.values]
    return render(request, "verification/verification_detail.html", {
        "batch": batch, "job": batch.job, **(job_context(batch.job, request.user) if batch.job_id else {}),
        "counts": counts,
        "answer_form": forms.FileForm(), "awaiting": batch.status in ("sent", "partly")})


@web_view(Cap.VERIFY_RUN, methods=("GET",))
def verification_file(request, pk):
    batch = selectors.batch_get(user=request.user, pk=pk)
    path = verification_services.batch_file_open(actor=request.user, batch=batch)
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name, content_type="text/csv")


@web_view(Cap.VERIFY_RUN, methods=("POST",))
def verification_answers(request, pk):
    batch = selectors.batch_get(user=request.user, pk=pk)
    form = forms.FileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the answer file of the population register."))
        return redirect("verification:detail", pk=batch.pk)
    job = verification_services.answers_import_start(actor=request.user, batch=batch,
                                                     upload=form.cleaned_data["file"])
    messages.success(request, _("The answers are being applied."))
    return redirect("jobs:job_detail", pk=job.pk)


@web_view(Cap.REGISTER_LOAD, methods=("POST",))
def register_load(request):
    form = forms.FileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the population register file."))
        return redirect("verification:list")
    job = verification_services.register_load_start(actor=request.user, upload=form.cleaned_data["file"])
    messages.success(request, _("The population register file is being loaded."))
    return redirect("jobs:job_detail", pk=job.pk)
