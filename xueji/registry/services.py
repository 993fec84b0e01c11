"""Writes to the registry. Registration flows arrive with the registration issue; here: exports."""

from xueji.accounts.permissions import Cap, require_cap
from xueji.jobs.models import Job
from xueji.jobs.services import job_start


def students_export_start(*, actor, filters: dict) -> Job:
    """Start an audited export of the students the actor may see (ID numbers masked unless the role needs them)."""
    require_cap(actor, Cap.STUDENT_VIEW)
    clean = {k: v for k, v in filters.items() if v not in (None, "")}
    return job_start(actor=actor, kind="registry.export_students", title="导出学生名单", params={"filters": clean})
