"""The capabilities by name, and the one way a view declares which one each of its methods needs.

Who holds a capability is the accounts app's rule (xueji/accounts/permissions.py: roles, levels, `has_cap`). The
names and the declaration live here, below every app (the audit log and the org tree sit below accounts), so
every page and every API view declares what it needs in its own module:

    @requires(Cap.USER_MANAGE)                           # every method of the view
    class UserListApi(...): ...

    @requires(get=Cap.ORG_VIEW, post=Cap.SCHOOL_MANAGE)  # method by method
    class SchoolListApi(...): ...

    @requires(get=PUBLIC, post=PUBLIC)                   # anyone, signed in or not
    def login_view(request): ...

A method needs one of: a capability (a signed-in user whose roles hold it), SIGNED_IN (None: any signed-in user)
or PUBLIC (anonymous visitors too: signing in, the token, /healthz). Pages declare through `web_view(cap,
methods=...)` (xueji/ui/errors.py), which writes this declaration and refuses by it; the API's one permission
(xueji/accounts/api/permissions.py) refuses by the view's declaration before the body is read; the menu
(xueji/ui/navigation.py) offers a page by the same declaration, so it never offers what the view refuses.

`declared_capability(view, method)` is the one reader: of a page function, an API view class or instance, or a
URL pattern's callback (`as_view()` names its class). It answers UNDECLARED for a method the view declares
nothing for: refused wherever it is read, and xueji/ui/tests/test_capabilities.py names every such view and
method. HEAD needs what GET needs; OPTIONS (DRF describing the endpoint, each method's rule checked again for what
it describes) needs the least of the view's declarations: PUBLIC when one method is public, else SIGNED_IN.
A subclass of an API view inherits its parent's declaration; a declaration of its own replaces it whole.
"""

from collections.abc import Callable, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final, TypeVar


class Cap(StrEnum):
    ORG_VIEW = "org.view"
    SCHOOL_MANAGE = "school.manage"
    SCHOOL_YEAR_MANAGE = "school_year.manage"
    CLASS_MANAGE = "class.manage"
    STUDENT_VIEW = "student.view"
    STUDENT_VIEW_ID = "student.view_id"
    STUDENT_EDIT = "student.edit"
    STUDENT_LABELLED = "student.view_labelled"
    STUDENT_LABEL = "student.label"
    STUDENT_IMPORT = "student.import"
    USER_MANAGE = "user.manage"
    AUDITOR_MANAGE = "auditor.manage"
    AUDIT_VIEW = "audit.view"
    SECURITY_MANAGE = "security.manage"
    SECOND_FACTOR_RESET = "second_factor.reset"
    JOB_VIEW = "job.view"
    POLICY_VIEW = "policy.view"
    POLICY_MANAGE = "policy.manage"
    POLICY_PROVINCE = "policy.province"
    REQUEST_FILE = "request.file"
    REQUEST_VIEW = "request.view"
    VERIFY_RUN = "verify.run"
    REGISTER_LOAD = "register.load"
    PROBLEM_VIEW = "problem.view"
    PROBLEM_SCAN = "problem.scan"
    DROPOUT_VIEW = "dropout.view"
    HUB_VIEW = "hub.view"
    OPS_VIEW = "ops.view"
    TRANSFER_FILE = "transfer.file"
    GRADUATION_VIEW = "graduation.view"
    GRADUATION_MANAGE = "graduation.manage"
    PROMOTION_MANAGE = "promotion.manage"
    ADMISSION_VIEW = "admission.view"
    ADMISSION_MANAGE = "admission.manage"
    SUPPORT_ASK = "support.ask"
    MESSAGE = "support.message"
    SUPPORT_ANSWER = "support.answer"
    ANNOUNCEMENT_PUBLISH = "announcement.publish"
    TRAINING_MANAGE = "training.manage"
    SUPPORT_REPORT = "support.report"
    PLATFORM_ACCOUNTS = "platform.accounts"
    INTERFACE_MANAGE = "interface.manage"
    INTERFACE_UNMASK = "interface.unmask"
    INTERFACE_READ = "interface.read"


class _Mark:
    """PUBLIC and UNDECLARED: compared by identity, named in messages."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


PUBLIC: Final = _Mark("PUBLIC")
UNDECLARED: Final = _Mark("UNDECLARED")
SIGNED_IN: Final = None

Need = Cap | _Mark | None
METHODS: Final = ("get", "post", "put", "patch", "delete")
_ATTRIBUTE = "declared_capabilities"  # written by `requires` only, read by `declared_capability` only
_EVERY = "*"
_UNSET: Any = object()
V = TypeVar("V")


def _checked(need) -> Need:
    if need is None or need is PUBLIC or isinstance(need, Cap):
        return need
    raise TypeError(f"{need!r} is not a capability, SIGNED_IN or PUBLIC")


def requires(every=_UNSET, /, **methods) -> Callable[[V], V]:
    """Declare what a page or an API view needs: `requires(need)` for every method, `requires(get=..., post=...)`
    method by method (both: the methods named override)."""
    table: dict[str, Need] = {}
    if every is not _UNSET:
        table[_EVERY] = _checked(every)
    for method, need in methods.items():
        if method not in METHODS:
            raise TypeError(f"requires(): {method!r} is not one of {', '.join(METHODS)}")
        table[method] = _checked(need)
    if not table:
        raise TypeError("requires() needs a capability, SIGNED_IN or PUBLIC")
    frozen = MappingProxyType(table)

    def declare(view: V) -> V:
        setattr(view, _ATTRIBUTE, frozen)
        return view

    return declare


def _declarations(view) -> Mapping[str, Need]:
    table = getattr(view, _ATTRIBUTE, None)
    if table is None:  # a URL pattern's callback: the class behind `as_view()`
        cls = getattr(view, "view_class", None) or getattr(view, "cls", None)
        table = getattr(cls, _ATTRIBUTE, None) if cls is not None else None
    return table or {}


def declared_capability(view, method: str) -> Need:
    """What the view declares for the method: a Cap, SIGNED_IN (None), PUBLIC, or UNDECLARED."""
    table = _declarations(view)
    method = method.lower()
    if method == "head":
        method = "get"
    if method == "options" and table:
        return PUBLIC if any(need is PUBLIC for need in table.values()) else SIGNED_IN
    if method in table:
        return table[method]
    return table.get(_EVERY, UNDECLARED)


def declared_methods(view) -> tuple[str, ...] | None:
    """The methods a view declares one by one (a page's: web_view names them), or None when it declares nothing
    or one need for every method."""
    table = _declarations(view)
    if not table or _EVERY in table:
        return None
    return tuple(sorted(table))
