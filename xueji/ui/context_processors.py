"""Navigation for every page: the menu tree the user's roles allow (xueji/ui/navigation.py), with waiting work.

Lazy: the menu and the waiting work (a dozen counting queries) are built when a template first reads them, so an
htmx fragment (a table's page, a conversation's new messages, a form's partial), which shows no menu, costs none
of it. A full page reads them once through base.html."""

from django.utils.functional import SimpleLazyObject

from xueji.accounts.models import Role
from xueji.accounts.permissions import user_caps
from xueji.ui import navigation


def navigation_menu(request):
    """Built once per request: a table's template (django-tables2's render_table) is rendered with the request
    again, and would otherwise build the menu and count the waiting work once more per table."""
    try:
        return request._xueji_navigation
    except AttributeError:
        pass
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(user, "org_unit", None) is None:
        return {"nav_tree": [], "caps": set()}
    # the same 待办 as the workbench and the inbox page, counted once for the menu and its badge
    waiting = SimpleLazyObject(lambda: {"counts": navigation.waiting_for(request)})
    request._xueji_navigation = {
        "nav_tree": SimpleLazyObject(lambda: navigation.menu(user, path=request.path,
                                                             waiting=waiting["counts"])),
        "caps": SimpleLazyObject(lambda: user_caps(user)),
        "role_labels": SimpleLazyObject(lambda: [label for value, label in Role.choices if value in user.role_set]),
        "inbox_count": SimpleLazyObject(lambda: (waiting["counts"] or {}).get("total")),
    }
    return request._xueji_navigation
