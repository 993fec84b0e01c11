"""Words of the policy's refusals: settings, switches, windows, caps, controlled items, routes.

Services raise a stable code with an English developer message, or the precise words built here (lazy: rendered
in the reader's language when read, a page in Chinese, an API call per Accept-Language); the table gives each
code's words for the first kind, through xueji.core.messages. Add the words of a new code here."""

import datetime as dt

from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xueji.core import codes, messages

MESSAGES = {
    "no_province": _("Policy is set per province; the ministry sets none."),
    "unknown_setting": _("Unknown setting."),
    "invalid_setting": _("This value does not fit the setting."),
    "unknown_switch": _("Unknown function switch."),
    "invalid_switch": _("This value does not fit the function switch."),
    "unknown_stage": _("Unknown stage."),
    "unknown_window_kind": _("Unknown kind of business."),
    "invalid_window": _("The window closes before it opens."),
    "window_wider_than_superior": _("A city or county may only narrow the business window of the level above."),
    "invalid_cap": _("A class-size cap is a number of pupils from 1 to 100."),
    "cap_above_superior": _("A level cannot set a class-size cap above the cap of the level above."),
    "cap_locked": _("The level above locked its class-size cap: the levels below cannot set their own."),
    "class_full": _("The class is full."),
    "unknown_item": _("Unknown record item."),
    "item_controlled_above": _("This item is already controlled by the level above."),
    "registration_closed": _("New-student registration is closed for this stage."),
    "formal_number_delete_off": _("The province does not allow deleting a record with a formal national number."),
    "status_change_off": _("This kind of status change is not allowed for this stage in the province."),
    "empty_route": _("A route has at least one step."),
    "unknown_resolver": _("Unknown approving party."),
    "invalid_role": _("Approvers are registrars or leaders."),
}

messages.register(by_code=MESSAGES)


def _stage(stage: str) -> str:
    return codes.STAGE.label(stage)


def _cap_above(cap: int, superior: int, unit: str) -> str:
    return gettext("A cap of %(cap)s pupils is above the cap of %(superior)s pupils set by %(unit)s: a level cannot "
                   "set more than the level above.") % {"cap": cap, "superior": superior, "unit": unit}


def _cap_locked(cap: int, unit: str) -> str:
    return gettext("%(unit)s locked the class-size cap at %(cap)s pupils: the levels below inherit it and cannot "
                   "set their own.") % {"cap": cap, "unit": unit}


def _class_full(name: str, cap: int, unit: str) -> str:
    return gettext("%(class)s is full: its class-size cap is %(cap)s pupils (set by %(unit)s).") % {
        "class": name, "cap": cap, "unit": unit}


def _window_wider(start: str, end: str, windows: list[tuple[str, str]], unit: str) -> str:
    if not windows:
        return gettext("The province has not opened this business, so no level below can open it.")
    shown = gettext("; ").join(gettext("%(start)s to %(end)s") % {"start": a, "end": b} for a, b in windows)
    return gettext("The window %(start)s to %(end)s is wider than the window set by %(unit)s (%(windows)s): a city "
                   "or county may only narrow it.") % {"start": start, "end": end, "unit": unit, "windows": shown}


def _controlled_above(items: list[tuple[str, str]]) -> str:
    shown = gettext("; ").join(f"{title}（{unit}）" for title, unit in items)
    return gettext("Already controlled by the level above: %(items)s.") % {"items": shown}


def _registration_closed(stage: str) -> str:
    return gettext("New-student registration is closed for %(stage)s in this province.") % {"stage": _stage(stage)}


def _formal_delete(stage: str, number: str) -> str:
    return gettext("The record holds the formal national number %(number)s; the province does not allow deleting "
                   "such a record in %(stage)s.") % {"number": number, "stage": _stage(stage)}


def _status_change_off(label: str, stage: str) -> str:
    return gettext("%(type)s is not allowed for pupils of %(stage)s in this province.") % {
        "type": label, "stage": _stage(stage)}


_lazy = {name: lazy(fn, str) for name, fn in {
    "cap_above": _cap_above, "cap_locked": _cap_locked, "class_full": _class_full, "window_wider": _window_wider,
    "controlled_above": _controlled_above, "registration_closed": _registration_closed,
    "formal_delete": _formal_delete, "status_change_off": _status_change_off}.items()}


def cap_above_words(cap: int, above) -> str:
    return _lazy["cap_above"](cap, above.cap, above.source.name)


def cap_locked_words(above) -> str:
    return _lazy["cap_locked"](above.cap, above.locked_by.name)


def class_full_words(name: str, cap: int, unit: str) -> str:
    return _lazy["class_full"](name, cap, unit)


def window_wider_words(start: dt.date, end: dt.date, windows: list[tuple[dt.date, dt.date]], unit: str) -> str:
    return _lazy["window_wider"](f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}",
                                 [(f"{a:%Y-%m-%d}", f"{b:%Y-%m-%d}") for a, b in windows], unit)


def controlled_above_words(items: list[tuple[str, str]]) -> str:
    """items: (the item's title, the name of the unit that controls it)."""
    return _lazy["controlled_above"](items)


def registration_closed_words(stage: str) -> str:
    return _lazy["registration_closed"](stage)


def formal_delete_words(stage: str, number: str) -> str:
    return _lazy["formal_delete"](stage, number)


def status_change_off_words(label: str, stage: str) -> str:
    return _lazy["status_change_off"](label, stage)
