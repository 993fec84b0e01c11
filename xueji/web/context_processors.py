"""Navigation for every page: the menu items the user's capabilities allow."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import Role
from xueji.accounts.permissions import Cap, user_caps

# (url name, label, icon, capability needed; None: any signed-in user)
MENU = [
    ("web:workbench", _("Workbench"), "bi-house-door", None),
    ("web:student_list", _("Students"), "bi-person-vcard", Cap.STUDENT_VIEW),
    ("web:class_list", _("Classes"), "bi-people", Cap.ORG_VIEW),
    ("web:school_list", _("Schools"), "bi-building", Cap.ORG_VIEW),
    ("web:org_list", _("Org units"), "bi-diagram-3", Cap.ORG_VIEW),
    ("web:school_year_list", _("School years"), "bi-calendar3", Cap.ORG_VIEW),
    ("web:user_list", _("Users"), "bi-person-gear", Cap.USER_MANAGE),
    ("web:audit_list", _("Audit log"), "bi-shield-check", Cap.AUDIT_VIEW),
    ("web:job_list", _("Jobs"), "bi-hourglass-split", Cap.JOB_VIEW),
]
# A school's own staff see one school: the school list is not theirs to browse.
AUTHORITY_ONLY = {"web:school_list", "web:org_list"}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(user, "org_unit", None) is None:
        return {"nav_items": [], "caps": set()}
    caps = user_caps(user)
    path = request.path
    items = []
    for name, label, icon, cap in MENU:
        if cap is not None and cap not in caps:
            continue
        if name in AUTHORITY_ONLY and user.org_unit.is_school:
            continue
        url = reverse(name)
        active = path == url if url == "/" else path.startswith(url)
        items.append({"name": name, "url": url, "label": label, "icon": icon, "active": active})
    role_labels = [label for value, label in Role.choices if value in user.role_set]
    return {"nav_items": items, "caps": caps, "role_labels": role_labels}
