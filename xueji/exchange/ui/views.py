"""Bulk import pages (批量导入): the template, the upload, the batches with their job's progress and the error
report, then on to submitting the imported drafts for registration. Reads through exchange selectors, writes
through exchange services."""

from urllib.parse import quote

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from xueji.accounts.permissions import Cap, has_cap
from xueji.core.errors import ValidationFailed
from xueji.exchange import selectors as exchange_selectors
from xueji.exchange import services as exchange_services
from xueji.exchange.filters import ImportBatchFilterSet
from xueji.exchange.ui import forms, tables
from xueji.exchange.uploads import check_size, import_max_bytes, upload_handlers
from xueji.jobs import services as job_services
from xueji.jobs.ui.views import job_context
from xueji.registration.errors import MESSAGES
from xueji.ui.errors import errors_to_form, web_view
from xueji.ui.views import list_page, paged

MULTIPART_SLACK = 64 * 1024  # boundaries, part headers and the other fields besides the file


def _own_school(user):
    school = getattr(user.org_unit, "school", None)
    if school is None:
        raise ValidationFailed(str(MESSAGES["school_only"]), code="school_only")
    return school


@web_view(Cap.STUDENT_VIEW, methods=("GET",))
def import_list(request):
    job_services.job_reap_if_due()  # an import whose worker died shows as interrupted
    user = request.user
    form = ImportBatchFilterSet(request.GET, user=user, page=True).form
    batches = exchange_selectors.import_batch_list(user=user, filters=form.filters())
    table = paged(request, tables.ImportTable(batches, show_school=not user.org_unit.is_school), lazy=True)
    can_import = has_cap(user, Cap.STUDENT_IMPORT)
    return list_page(request, title=_("Bulk import"), icon="bi-file-earmark-arrow-up", table=table,
                     filter_form=form, template="exchange/import_list.html", can_import=can_import,
                     create_url=reverse("exchange:import_upload") if can_import else None,
                     create_label=_("Import a file"))


@web_view(Cap.STUDENT_IMPORT, methods=("GET",))
def import_template(request):
    fmt = request.GET.get("format", "xlsx")
    content = exchange_services.import_template(actor=request.user, school=_own_school(request.user), fmt=fmt)
    if fmt == "csv":
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(content,
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = (f"attachment; filename=\"import-template.{fmt}\"; "
                                       f"filename*=UTF-8''{quote(f'学生信息导入模板.{fmt}')}")
    return response


@csrf_protect
def _import_upload(request):
    user = request.user
    school = _own_school(user)
    form = forms.ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            batch = exchange_services.import_start(actor=user, school=school, upload=form.cleaned_data["file"],
                                                   kind=form.cleaned_data["kind"])
            messages.success(request, _("The file was accepted; the import runs in the background."))
            return redirect("exchange:import_detail", pk=batch.pk)
    return render(request, "exchange/import_upload.html", {
        "form": form, "school": school, "limit": import_max_bytes(user.org_unit)})


@web_view(Cap.STUDENT_IMPORT)
def _import_upload_gate(request):
    if request.method == "POST":
        limit = import_max_bytes(request.user.org_unit)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit + MULTIPART_SLACK:
            check_size(length, limit)  # refused before the body is read
        # Before anything parses the body (the CSRF check reads POST): the file streams to disk and stops at the
        # province's limit; nothing is held in memory.
        request.upload_handlers = upload_handlers(request, limit=limit)
    return _import_upload(request)


# The CSRF check runs in _import_upload, after the upload handlers are in place (Django's documented pattern).
import_upload = csrf_exempt(_import_upload_gate)
import_upload.accepts_large_uploads = True  # the body limit is the province's import.max_bytes, checked above


def _batch_context(request, batch) -> dict:
    user = request.user
    job_state = job_context(batch.job, user) if batch.job_id else {}
    if job_state.get("can_rerun") and not batch.stored_file:
        job_state["can_rerun"] = False  # the upload is gone (a failed import discards it): upload the file again
    return {"batch": batch, "job": batch.job, **job_state,
            "can_download_errors": bool(batch.error_report) and has_cap(user, Cap.STUDENT_VIEW_ID)
            and (batch.job is None or batch.error_report != batch.job.result_file or job_state["has_file"]),
            "can_submit": batch.is_finished and batch.valid_rows > 0 and has_cap(user, Cap.REQUEST_FILE)
            and user.org_unit_id == batch.school.org_unit_id}


@web_view(Cap.STUDENT_VIEW, methods=("GET",))
def import_detail(request, pk):
    job_services.job_reap_if_due()  # an import whose worker died shows as interrupted
    batch = exchange_selectors.import_batch_get(user=request.user, pk=pk)
    return render(request, "exchange/import_detail.html", _batch_context(request, batch))


@web_view(Cap.STUDENT_VIEW, methods=("GET",))
def import_progress(request, pk):
    """The batch's counts and its job's progress; htmx polls it every second until the import is finished."""
    job_services.job_reap_if_due()  # an import whose worker died shows as interrupted
    batch = exchange_selectors.import_batch_get(user=request.user, pk=pk)
    return render(request, "exchange/_import_progress.html", _batch_context(request, batch))


@web_view(Cap.STUDENT_VIEW_ID, methods=("GET",))
def import_errors(request, pk):
    batch, path = exchange_services.import_error_report_download(actor=request.user, pk=pk)
    stem = batch.file_name.rsplit(".", 1)[0][:80]
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"{stem}-错误报告.xlsx")
