"""The promotion's background job (django-tasks through xueji.jobs) and its periodic start at the configured
moment (the job worker's maintenance thread, `jobs.registry.register_periodic`)."""

from xueji.jobs.registry import job_handler, register_periodic
from xueji.schoolyear import services
from xueji.schoolyear.models import PromotionRun


def _rerun(job, actor):
    """A failed or interrupted run starts again over the same run: the schools it promoted (committed chunk by
    chunk) are done, so it continues with the rest."""
    run = PromotionRun.objects.get(pk=job.params["run"])
    return services.promotion_start(actor=actor, run=run)


@job_handler("schoolyear.promotion", rerun=_rerun)
def promotion_job(ctx) -> dict:
    run = PromotionRun.objects.select_related("org_unit").get(pk=ctx.params["run"])
    return services.promotion_execute(run=run, actor=ctx.job.created_by, progress=ctx.progress)


register_periodic("schoolyear.promotion_due", services.promotion_due)
