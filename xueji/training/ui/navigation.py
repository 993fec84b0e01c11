"""培训考试 in the menu (服务支持): the courses (the card counts the user's coming sessions) and one's
certificates, with cards on the workbench."""

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from xueji.core import clock
from xueji.ui.navigation import Entry, register

COUNTS_SECONDS = 30


def _coming(user) -> int:
    from xueji.training.models import Enrolment

    return cache.get_or_set(f"training:coming:{user.pk}", lambda: Enrolment.objects.filter(
        user_id=user.pk, session__ends_at__gt=clock.now()).count(), COUNTS_SECONDS)


def _must_certify(user, waiting) -> bool:
    """持证上岗 on and the registrar's certificate lapsed or missing: the card comes first, framed."""
    if not user.has_role("registrar"):
        return False
    from xueji.training import services

    return services.certificate_required(user.org_unit) and services.valid_certificate(user) is None


register(
    Entry("training:course_list", _("Training and exams"), "bi-mortarboard", "support", order=50,
          count=_coming,
          text=_("培训考试: courses of the levels above, sessions, exams; a pass issues the certificate.")),
    Entry("training:certificate_list", _("My certificates"), "bi-award", "support", order=60,
          highlight=_must_certify,
          text=_("持证上岗: your certificates; when yours lapsed, what to take.")),
)
