"""Navigation for every page: the menu tree the user's roles allow (xueji/ui/navigation.py), with waiting work."""

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
    waiting = navigation.waiting_for(request)  # the same 待办 as the workbench and the inbox page
    role_labels = [label for value, label in Role.choices if value in user.role_set]
    request._xueji_navigation = {
        "nav_tree": navigation.menu(user, path=request.path, waiting=waiting), "caps": user_caps(user),
        "role_labels": role_labels, "inbox_count": waiting["total"] if waiting else None}
    return request._xueji_navigation
