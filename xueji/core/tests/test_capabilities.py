"""The declaration of what a view needs (xueji/core/capabilities.py): written once by `requires`, read by
`declared_capability`, which tells "any signed-in user" (SIGNED_IN, None) from "declares nothing" (UNDECLARED)."""

import pytest

from xueji.core.capabilities import (
    PUBLIC,
    SIGNED_IN,
    UNDECLARED,
    Cap,
    declared_capability,
    declared_methods,
    requires,
)


def _page():
    """A fresh page function each time, so one test's declaration is not another's."""

    def page(request):
        return None

    return page


def test_a_page_declares_method_by_method():
    page = requires(get=SIGNED_IN, post=Cap.STUDENT_EDIT)(_page())

    assert declared_capability(page, "GET") is SIGNED_IN
    assert declared_capability(page, "head") is SIGNED_IN  # HEAD needs what GET needs
    assert declared_capability(page, "post") is Cap.STUDENT_EDIT
    assert declared_capability(page, "delete") is UNDECLARED
    assert declared_methods(page) == ("get", "post")


def test_declared_none_is_not_undeclared():
    assert declared_capability(requires(SIGNED_IN)(_page()), "put") is SIGNED_IN
    assert declared_capability(_page(), "get") is UNDECLARED
    assert declared_methods(_page()) is None


def test_one_need_for_every_method_and_the_methods_named_override_it():
    @requires(Cap.ORG_VIEW, post=Cap.SCHOOL_MANAGE)
    class View:
        pass

    assert declared_capability(View, "get") is Cap.ORG_VIEW
    assert declared_capability(View(), "patch") is Cap.ORG_VIEW  # an instance reads its class
    assert declared_capability(View, "post") is Cap.SCHOOL_MANAGE
    assert declared_methods(View) is None


def test_options_needs_the_least_of_the_declarations():
    assert declared_capability(requires(post=PUBLIC)(_page()), "options") is PUBLIC
    assert declared_capability(requires(get=SIGNED_IN, post=Cap.USER_MANAGE)(_page()), "OPTIONS") is SIGNED_IN
    assert declared_capability(requires(Cap.USER_MANAGE)(_page()), "options") is SIGNED_IN
    assert declared_capability(_page(), "options") is UNDECLARED


def test_a_subclass_inherits_the_declaration_and_one_of_its_own_replaces_it_whole():
    @requires(get=Cap.USER_MANAGE, post=Cap.USER_MANAGE)
    class Users:
        pass

    class Inherits(Users):
        pass

    @requires(post=Cap.AUDITOR_MANAGE)
    class Auditors(Users):
        pass

    assert declared_capability(Inherits, "post") is Cap.USER_MANAGE
    assert declared_capability(Auditors, "post") is Cap.AUDITOR_MANAGE
    assert declared_capability(Auditors, "get") is UNDECLARED
    assert declared_capability(Users, "post") is Cap.USER_MANAGE  # the parent keeps its own


@pytest.mark.parametrize("args, kwargs, words", [
    (("student.view",), {}, "not a capability"),  # a capability is a Cap, so a typo cannot pass
    ((), {"get": "any"}, "not a capability"),
    ((), {"head": SIGNED_IN}, "'head' is not one of"),
    ((), {}, "needs a capability"),
])
def test_a_wrong_declaration_is_refused_at_import(args, kwargs, words):
    with pytest.raises(TypeError, match=words):
        requires(*args, **kwargs)

