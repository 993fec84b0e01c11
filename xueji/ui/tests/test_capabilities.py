"""Every page and every API endpoint declares, for each method it answers, what it needs (xueji/core/capabilities.py:
a capability, SIGNED_IN or PUBLIC). This walks every URL pattern of the project, the pages and /api/ alike, and
names each view and method without a declaration; the jurisdiction matrix (test_matrix.py) then checks that the
declarations are what the tests expect and that every view refuses by its own."""

from django.urls import URLPattern, URLResolver, get_resolver
from django.views import View
from rest_framework.views import APIView

from xueji.accounts.api.permissions import IsActiveUser
from xueji.core.capabilities import METHODS, PUBLIC, UNDECLARED, Cap, declared_capability, declared_methods, requires


def _patterns(patterns, prefix: str = "", route: str = ""):
    """(name, callback) of every URL pattern, named or not (an unnamed one by its route)."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _patterns(entry.url_patterns, namespace, route + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield (f"{prefix}{entry.name}" if entry.name else f"<{route}{entry.pattern}>"), entry.callback


def _view_class(callback):
    return getattr(callback, "cls", None) or getattr(callback, "view_class", None)


def _undeclared(callback) -> list[str]:
    """The methods the view answers without a declaration: an API view's handlers; a page (a function) declares
    its methods one by one (web_view names them) or one need for all, else it declares nothing."""
    cls = _view_class(callback)
    if cls is not None:
        return [m.upper() for m in METHODS if hasattr(cls, m) and declared_capability(callback, m) is UNDECLARED]
    if declared_methods(callback) is None and declared_capability(callback, "get") is UNDECLARED:
        return ["any method"]
    return []


def test_every_view_declares_every_method_it_answers():
    walked = list(_patterns(get_resolver().url_patterns))
    missing = [f"{name} {method}" for name, callback in walked for method in _undeclared(callback)]
    assert not missing, "views without a declaration of what they need (@requires, web_view): " + ", ".join(missing)
    names = {name for name, _callback in walked}
    assert {"api:student-list", "registry:student_list", "accounts:login", "healthz", "schema"} <= names


def test_every_api_view_of_ours_refuses_by_its_declaration():
    """The API's one permission reads the declaration; a view with permissions of its own would not."""
    others = sorted(name for name, callback in _patterns(get_resolver().url_patterns)
                    if (cls := _view_class(callback)) is not None and issubclass(cls, APIView)
                    and cls.__module__.startswith("xueji.") and list(cls.permission_classes) != [IsActiveUser])
    assert not others, f"API views with their own permission classes: {others}"


def test_the_walk_names_a_view_without_a_declaration():
    class Undeclared(APIView):
        def get(self, request):
            return None

    @requires(get=Cap.ORG_VIEW)
    class HalfDeclared(APIView):
        def get(self, request):
            return None

        def post(self, request):
            return None

    def page(request):
        return None

    assert _undeclared(Undeclared.as_view()) == ["GET"]
    assert _undeclared(HalfDeclared.as_view()) == ["POST"]
    assert _undeclared(page) == ["any method"]
    assert _undeclared(requires(PUBLIC)(page)) == []


def test_a_url_callback_reads_the_declaration_of_its_class():
    @requires(Cap.AUDIT_VIEW)
    class Page(View):
        def get(self, request):
            return None

    assert declared_capability(Page.as_view(), "get") is Cap.AUDIT_VIEW
    assert declared_capability(Page.as_view(), "head") is Cap.AUDIT_VIEW
