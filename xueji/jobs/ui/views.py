"""Background-job pages: progress, result files, reruns. Thin: reads through selectors, writes through services,
refusals mapped in `xueji.ui.errors` (one place). Nothing here touches Model.objects."""


from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from xueji.accounts.permissions import Cap
from xueji.jobs import exportfiles
from xueji.jobs import selectors as job_selectors
from xueji.jobs import services as job_services
from xueji.jobs.filters import JobFilterSet
from xueji.jobs.ui import tables
from xueji.ui.errors import web_view
from xueji.ui.views import command_view, detail_page, list_page, paged

# ---------------------------------------------------------------- jobs

@web_view(Cap.JOB_VIEW, methods=("GET",))
def job_list(request):
    job_services.job_reap_if_due()  # a dead worker runs no reaper of its own: reading the jobs does
    form = JobFilterSet(request.GET, user=request.user, page=True).form
    jobs = job_selectors.job_list(user=request.user, filters=form.filters())
    table = paged(request, tables.JobTable(jobs), lazy=True)
    return list_page(request, title=_("Jobs"), icon="bi-hourglass-split", table=table, filter_form=form)


@web_view(Cap.JOB_VIEW, methods=("GET",))
def job_detail(request, pk):
    job_services.job_reap_if_due()
    job = job_selectors.job_get(user=request.user, pk=pk)
    return detail_page(request, "jobs/job_detail.html", job, name="job", **job_context(job, request.user))


@web_view(Cap.JOB_VIEW, methods=("GET",))
def job_progress(request, pk):
    """The progress fragment; htmx polls it every second until the job is finished."""
    job_services.job_reap_if_due()
    job = job_selectors.job_get(user=request.user, pk=pk)
    return render(request, "jobs/_job_progress.html", {"job": job, **job_context(job, request.user)})


def job_context(job, user) -> dict:
    rerun = job.reruns.order_by("-pk").first() if job.can_rerun else None
    state = job_selectors.file_state(user, job)
    # An encrypted export's password: shown once, to its creator, when the file is ready (then erased).
    password = exportfiles.password_reveal(actor=user, job=job) if state == "ready" and job.file_password else ""
    # A fresh single-use link each time the button shows (not while the job runs: the fragment polls then).
    link = job_services.download_link_issue(actor=user, job=job) if state == "ready" else ""
    download_url = f"{reverse('jobs:job_download', args=[job.pk])}?link={link}" if link else ""
    return {"has_file": state == "ready", "file_state": state, "file_password": password,
            "download_url": download_url,
            "error_line": job_selectors.job_error_message(job),
            "rerun": rerun,
            "can_rerun": job.can_rerun and rerun is None and job.created_by_id == user.pk}


@web_view(Cap.JOB_VIEW, methods=("GET",))
def job_download(request, pk):
    """The download of a single-use link (`?link=`, issued by the job's page); without one, the job's page, which
    offers a fresh link (after the same checks: the job, the file's rule)."""
    token = request.GET.get("link")
    if token is None:
        job, _path = job_services.job_file_check(actor=request.user, pk=pk)
        return redirect("jobs:job_detail", pk=job.pk)
    _job, path = job_services.job_file_download(actor=request.user, pk=pk, link=token)
    response = FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
    response["Cache-Control"] = "no-store"
    return response


def _rerun_shown(_job, new) -> str:
    """An import that runs again shows on its batch's page (it continues where it stopped); other jobs on theirs."""
    batch = getattr(new, "import_batch", None)
    if batch is not None:
        return reverse("exchange:import_detail", args=[batch.pk])
    return reverse("jobs:job_detail", args=[new.pk])


# 重新运行: the interrupted job starts again as a new job.
job_rerun = command_view(Cap.JOB_VIEW, get=job_selectors.job_get,
                         run=lambda request, job: job_services.job_rerun(actor=request.user, job=job),
                         done=lambda _job, _new: _("The job runs again."), then=_rerun_shown)
