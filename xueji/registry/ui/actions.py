"""The pupil page's action bar (修改, 异动, 打印, 时间线, ...): a small registry every app's ui/ fills.

An action names a page by its URL name (taking the pupil's pk) and never a capability: whether the user may use it
is read from the capability the target view declares (`web_view(cap)`, as the menu does:
`xueji.ui.navigation.view_allows`), so the bar never offers a page that refuses the user. An optional
predicate `when(user, student) -> bool` narrows it further (only a registered pupil can be changed, ...). An
action whose URL name does not exist (its app is not installed yet) is simply not shown.

    from xueji.registry.ui.actions import PupilAction, register_pupil_action

    register_pupil_action(PupilAction("edit", _("Edit"), "bi-pencil", "changes:record_edit", order=10,
                                      when=lambda user, student: student.reg_status == "registered"))

Registering the same key again replaces the action (an app may refine one registered before it).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from xueji.registry.choices import RegStatus
from xueji.ui.navigation import view_allows


@dataclass(frozen=True)
class PupilAction:
    key: str
    label: str
    icon: str
    url_name: str  # takes the pupil's pk: reverse(url_name, args=[pk])
    order: int = 100
    when: Callable | None = None  # when(user, student) -> bool
    primary: bool = False  # shown as the bar's main button
    new_tab: bool = False  # a download or a print opens beside the page


_actions: dict[str, PupilAction] = {}


def register_pupil_action(*actions: PupilAction) -> None:
    for action in actions:
        _actions[action.key] = action


def pupil_actions(user, student) -> list[dict]:
    """The actions this user may take on this pupil, in order: {key, label, icon, url, primary, new_tab}."""
    out = []
    for action in sorted(_actions.values(), key=lambda a: (a.order, a.key)):
        if not view_allows(user, action.url_name):  # no such page (yet), or its declaration refuses the user
            continue
        if action.when is not None and not action.when(user, student):
            continue
        try:
            url = reverse(action.url_name, args=[student.pk])
        except NoReverseMatch:
            continue
        out.append({"key": action.key, "label": str(action.label), "icon": action.icon, "url": url,
                    "primary": action.primary, "new_tab": action.new_tab})
    return out


def _registered(user, student) -> bool:
    return student.reg_status == RegStatus.REGISTERED


# The four a registrar expects. 修改 and 异动 are the changes app's pages (xueji/changes): shown once they exist;
# that app may register them again under the same keys with its own predicates.
register_pupil_action(
    PupilAction("edit", _("Edit"), "bi-pencil-square", "changes:record_edit", order=10, when=_registered,
                primary=True),
    PupilAction("status_change", _("Status change"), "bi-arrow-left-right", "changes:status_change_new", order=20,
                when=_registered),
    PupilAction("print", _("Print record card"), "bi-printer", "registry:student_card", order=30, new_tab=True),
    PupilAction("timeline", _("Timeline"), "bi-clock-history", "registry:student_timeline", order=40),
)
