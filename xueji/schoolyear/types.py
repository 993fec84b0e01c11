"""The request type of senior high graduation (普通高中毕业): the school files its final grade, the school leader and
the county registrar approve; at the last approval the conditions the province sets (学业水平考试 subjects passed)
are checked again and the pupils graduate through the registry's door (services.senior_graduation_apply)."""

from django.utils.translation import gettext_lazy as _

from xueji.schoolyear import services
from xueji.schoolyear.choices import GRADUATION_WINDOW
from xueji.workflow.types import RequestType, register, register_subject, step

PUPIL = register_subject("registry.student", _("pupil")).code  # the same kind registration declares
SCHOOL = register_subject("schools.school", _("school")).code


def _apply(request, actor=None, **_kwargs):
    return services.senior_graduation_apply(request=request, actor=actor or request.filer)


SENIOR = register(RequestType(
    code=services.SENIOR_TYPE, label=_("Senior high graduation"), apply=_apply, window_kind=GRADUATION_WINDOW,
    default_route=(step("filing_school", "leader"), step("filing_county", "registrar")),
    subjects=(SCHOOL, PUPIL), excludes=(services.SENIOR_TYPE,)))


def _apply_revert(request, actor=None, **_kwargs):
    return services.senior_revert_apply(request=request, actor=actor or request.filer)


SENIOR_REVERT = register(RequestType(
    code=services.SENIOR_REVERT_TYPE, label=_("Revert of a senior high graduation"), apply=_apply_revert,
    default_route=(step("filing_school", "leader"), step("filing_county", "registrar")),
    subjects=(PUPIL,), excludes=(services.SENIOR_REVERT_TYPE,)))
