"""The navigation registry: each app's `ui/navigation.py` registers its entries and its waiting work (待办);
the shell renders them as the left-hand menu tree, grouped by business area as registrars know it from the
national system, and as the workbench's cards.

An entry names a page by its URL name and never a capability: whether the user may use it is read from the
capability the view declares for GET (`web_view(cap)`, xueji/ui/errors.py, through `declared_capability` of
xueji/core/capabilities.py), the declaration the page itself refuses by, so the menu cannot offer a page that
refuses the user (xueji/ui/tests/test_navigation.py walks every entry for every demo role).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Literal

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.translation import gettext_lazy as _

from xueji.accounts.permissions import Cap, declared_allows, has_cap

# The business areas of the menu, in the national system's order. An area without entries is not shown.
AREAS: dict[str, str] = {
    "registration": _("Student registration"),  # 学籍注册
    "records": _("Daily record management"),  # 学籍日常管理
    "graduation": _("Graduation and promotion"),  # 毕业升级
    "admissions": _("Admissions"),  # 招生
    "problems": _("Problem records"),  # 问题学籍
    "statistics": _("Statistics and queries"),  # 统计查询
    "support": _("Service and support"),  # 服务支持
    "configuration": _("System configuration"),  # 系统配置
    "operations": _("Operations and support"),  # 运维与支持
}
PINNED = None  # the area of entries shown above the tree (the workbench, the inbox)

Where = Literal["any", "school", "authority"]


@dataclass(frozen=True)
class Entry:
    """A page in the menu (and, with `text`, a card on the workbench)."""

    url_name: str  # "schools:class_list"; the view behind it declares the capability
    label: str
    icon: str
    area: str | None  # a key of AREAS, or PINNED
    order: int = 100
    text: str = ""  # the card's words on the workbench; empty: no card
    where: Where = "any"  # "school": a school's own staff only; "authority": education authorities only
    # a key of the waiting work counted on the entry ("total": all of it), or several keys summed (their parts)
    waiting: str | tuple[str, ...] | None = None
    count: Callable | None = None  # count(user) -> int, shown on the card (what lies in the jurisdiction)
    highlight: Callable | None = None  # highlight(user, waiting) -> bool: the card comes first, framed
    link: Callable | None = None  # link(user) -> url or None, for a page with arguments ("my school")
    key: str = ""  # the card's key (data-card); defaults to the URL name without its namespace
    # Narrows the entry's audience (a page every user may read, offered to those who work with it); it can only
    # narrow: the view's own capability is always checked first.
    narrowed_to: Cap | None = None

    @property
    def card_key(self) -> str:
        return self.key or self.url_name.split(":", 1)[1]


@dataclass(frozen=True)
class Waiting:
    """A kind of waiting work (待办) with its count for a user (0 when it is not theirs). A count may come with its
    parts, from the same query: (n, {part key: m}), e.g. the steps to decide and, among them, the transfers'
    ("steps:transfers.transfer"); an entry shows a part's count by its key, and the total counts each kind once."""

    key: str
    count: Callable  # count(user) -> int, or (int, {part key: int})
    order: int = 100


_entries: dict[str, Entry] = {}
_waiting: dict[str, Waiting] = {}


def register(*entries: Entry) -> None:
    for entry in entries:
        if entry.area is not PINNED and entry.area not in AREAS:
            raise ValueError(f"unknown menu area {entry.area!r} for {entry.url_name}")
        _entries[entry.card_key] = entry


def register_waiting(*kinds: Waiting) -> None:
    for kind in kinds:
        _waiting[kind.key] = kind


def entries() -> list[Entry]:
    return sorted(_entries.values(), key=lambda e: (e.area is not PINNED, e.order))


def _walk(patterns, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, f"{prefix}{entry.namespace}:" if entry.namespace else prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}", entry.callback


@cache
def _views() -> dict:
    return dict(_walk(get_resolver().url_patterns))


def view_allows(user, url_name: str, method: str = "get") -> bool | None:
    """Whether the view behind `url_name` lets this user in by its declaration (None: no such page)."""
    view = _views().get(url_name)
    return None if view is None else declared_allows(user, view, method)


def may_use(user, entry: Entry) -> bool:
    if getattr(user, "org_unit", None) is None:
        return False
    if entry.where == "school" and not user.org_unit.is_school:
        return False
    if entry.where == "authority" and user.org_unit.is_school:
        return False
    if not declared_allows(user, _views()[entry.url_name], "get"):
        return False
    return entry.narrowed_to is None or has_cap(user, entry.narrowed_to)


def _url(user, entry: Entry) -> str | None:
    return entry.link(user) if entry.link else reverse(entry.url_name)


def waiting_work(user) -> dict[str, int] | None:
    """待办 with counts, one rule for the menu, the workbench and the inbox page, summed in "total"; None for a
    user who may use no page that shows it (the inbox)."""
    if not any(e.waiting == "total" and may_use(user, e) for e in _entries.values()):
        return None
    counts: dict[str, int] = {}
    parts: dict[str, int] = {}
    for kind in sorted(_waiting.values(), key=lambda k: k.order):
        value = kind.count(user)
        if isinstance(value, tuple):
            value, more = value
            parts.update(more)
        counts[kind.key] = value
    counts["total"] = sum(counts.values())
    return {**parts, **counts}  # the parts are shown, not summed again


def waiting_for(request) -> dict[str, int] | None:
    """`waiting_work` of the request's user, counted once per request: the menu, the workbench, the inbox page and
    each table's own template (django-tables2 renders it with the request, so the context processors run again)
    share the one count."""
    try:
        return request._xueji_waiting
    except AttributeError:
        request._xueji_waiting = waiting_work(request.user)
        return request._xueji_waiting


def _waiting_count(entry: Entry, waiting: dict | None):
    if entry.waiting is None or waiting is None:
        return None
    if isinstance(entry.waiting, tuple):
        return sum(waiting.get(key, 0) for key in entry.waiting)
    return waiting.get(entry.waiting, 0)


def menu(user, *, path: str = "", waiting: dict | None = None) -> list[dict]:
    """The menu tree: the pinned entries first, then one node per business area with the pages it offers."""
    tree: list[dict] = []
    nodes: dict[str | None, dict] = {}
    for entry in entries():
        if not may_use(user, entry):
            continue
        url = _url(user, entry)
        if url is None:
            continue
        if entry.area not in nodes:
            node = {"area": entry.area, "label": AREAS.get(entry.area, ""), "items": [], "active": False}
            nodes[entry.area] = node
            tree.append(node)
        active = path == url if url == "/" else path.startswith(url)
        nodes[entry.area]["items"].append({"name": entry.url_name, "url": url, "label": entry.label,
                                           "icon": entry.icon, "active": active,
                                           "count": _waiting_count(entry, waiting)})
    # One entry lit: the one whose address matches the most of the path (/audit/evidence/ is not the audit log).
    lit = [item for node in tree for item in node["items"] if item["active"]]
    longest = max((len(item["url"]) for item in lit), default=0)
    for node in tree:
        for item in node["items"]:
            item["active"] = item["active"] and len(item["url"]) == longest
        node["active"] = any(item["active"] for item in node["items"])
    order = [PINNED, *AREAS]
    tree.sort(key=lambda node: order.index(node["area"]))
    return tree


def cards(user, *, waiting: dict | None = None) -> list[dict]:
    """The workbench: the same entries as the menu, as cards; what waits for the user first."""
    out = []
    for entry in entries():
        if not entry.text or not may_use(user, entry):
            continue
        url = _url(user, entry)
        if url is None:
            continue
        count = entry.count(user) if entry.count is not None else _waiting_count(entry, waiting)
        card = {"url": url, "icon": entry.icon, "title": entry.label, "text": entry.text, "count": count,
                "key": entry.card_key, "area": entry.area,
                "highlight": bool(entry.highlight and entry.highlight(user, waiting or {}))}
        if entry.waiting == "total":
            card["todo"] = waiting
        out.append(card)
    out.sort(key=lambda c: not c["highlight"])  # stable: the registry's order otherwise
    return out


register(Entry("ui:workbench", _("Workbench"), "bi-house-door", PINNED, order=0))
