"""What the policy says for record maintenance and status changes, read through the policy's selectors (one place,
so the services and the pages ask the same): the items a level controls for a school, the status-change types a
province allows for a stage, and the years a pupil studying abroad keeps the record."""

from xueji.policy import selectors as policy_selectors
from xueji.policy.services import setting_get
from xueji.regions.models import OrgUnit
from xueji.schools.models import School

ABROAD_KEEP_YEARS = "changes.abroad_keep_years"


def controlled_items(school: School) -> dict[str, OrgUnit | None]:
    """Item key (registry.fields) -> the level that controls it for this school (None: the province's default)."""
    return policy_selectors.controlled_items(school=school)


def allowed_types(*, province_code: str | None, stage: str) -> set[str]:
    """The JY/T 1001 status-change type codes the province allows for pupils of this stage."""
    return set(policy_selectors.status_change_types_allowed(province_code=province_code, stage=stage))


def abroad_keep_years(province_code: str | None) -> int:
    return int(setting_get(province_code=province_code, key=ABROAD_KEEP_YEARS))
