"""Writes to the registry. Registration flows arrive with the registration issue; here: exports."""

from xueji.accounts.permissions import Cap, require_cap
from xueji.jobs.models import Job
from xueji.jobs.services import job_start
from xueji.regions.selectors import org_unit_get
from xueji.schools.selectors import class_get, school_get


def students_export_start(*, actor, filters: dict) -> Job:
    """Start an audited export of the students the actor may see (ID numbers masked unless the role needs them)."""
    require_cap(actor, Cap.STUDENT_VIEW)
    clean = {k: v for k, v in filters.items() if v not in (None, "")}
    # A filter naming a school, class or county outside the jurisdiction answers 404, like a detail page.
    if "school" in clean:
        school_get(user=actor, pk=clean["school"])
    if "school_class" in clean:
        class_get(user=actor, pk=clean["school_class"])
    if "county" in clean:
        org_unit_get(user=actor, pk=clean["county"])
    return job_start(actor=actor, kind="registry.export_students", title="导出学生名单", params={"filters": clean})
