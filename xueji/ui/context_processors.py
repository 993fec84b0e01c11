"""Navigation for every page: the menu items the user's capabilities allow, grouped in dropdowns."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import Role
from xueji.accounts.permissions import Cap, user_caps

# An item: (url name, label, icon, capability needed (None: any signed-in user)).
# A group: (label, icon, [items]) shown as a dropdown when at least one of its items is allowed.
MENU = [
    ("ui:workbench", _("Workbench"), "bi-house-door", None),
    ("workflow:inbox", _("Inbox"), "bi-inbox", Cap.REQUEST_VIEW),
    (_("Registry"), "bi-person-vcard", [
        ("registry:student_list", _("Students"), "bi-person-vcard", Cap.STUDENT_VIEW),
        ("registration:number_lookup", _("Find a national student number"), "bi-upc-scan", Cap.STUDENT_VIEW),
        ("registration:student_enter", _("Enter a pupil"), "bi-person-plus", Cap.STUDENT_EDIT),
        ("registration:draft_list", _("Drafts to register"), "bi-journal-check", Cap.STUDENT_EDIT),
        ("exchange:import_list", _("Bulk import"), "bi-file-earmark-arrow-up", Cap.STUDENT_VIEW),
        ("registration:grade1_lookup", _("Grade-1 entrants"), "bi-balloon", Cap.STUDENT_EDIT),
        ("registration:returning_search", _("Returning from abroad"), "bi-airplane", Cap.REQUEST_FILE),
        ("workflow:request_list", _("Requests"), "bi-card-checklist", Cap.REQUEST_VIEW),
    ]),
    (_("Problem records"), "bi-exclamation-diamond", [
        ("registration:problem_list", _("Problem records"), "bi-exclamation-diamond", Cap.PROBLEM_VIEW),
        ("registration:verification_list", _("Identity verification"), "bi-fingerprint", Cap.VERIFY_RUN),
    ]),
    (_("Organisation"), "bi-diagram-3", [
        ("schools:class_list", _("Classes"), "bi-people", Cap.ORG_VIEW),
        ("schools:school_list", _("Schools"), "bi-building", Cap.ORG_VIEW),
        ("regions:org_list", _("Org units"), "bi-diagram-3", Cap.ORG_VIEW),
        ("schools:school_year_list", _("School years"), "bi-calendar3", Cap.ORG_VIEW),
    ]),
    (_("Administration"), "bi-gear", [
        ("policy:window_list", _("Business windows"), "bi-calendar-range", Cap.REQUEST_VIEW),
        ("policy:route_list", _("Approval routes"), "bi-signpost-split", Cap.POLICY_MANAGE),
        ("policy:setting_list", _("Function settings"), "bi-toggles", Cap.POLICY_MANAGE),
        ("accounts:user_list", _("Users"), "bi-person-gear", Cap.USER_MANAGE),
        ("audit:audit_list", _("Audit log"), "bi-shield-check", Cap.AUDIT_VIEW),
        ("accounts:auditor_list", _("Auditor accounts"), "bi-person-badge", Cap.AUDITOR_MANAGE),
        ("jobs:job_list", _("Jobs"), "bi-hourglass-split", Cap.JOB_VIEW),
    ]),
]
# A school's own staff see one school: these lists are not theirs to browse.
AUTHORITY_ONLY = {"schools:school_list", "regions:org_list"}
# Entering pupils and taking records over happen at the pupil's school.
SCHOOL_ONLY = {"registration:student_enter", "registration:grade1_lookup", "registration:returning_search",
               "registration:draft_list"}


def _item(name, label, icon, cap, *, caps, user, path):
    if cap is not None and cap not in caps:
        return None
    if name in AUTHORITY_ONLY and user.org_unit.is_school:
        return None
    if name in SCHOOL_ONLY and not user.org_unit.is_school:
        return None
    url = reverse(name)
    active = path == url if url == "/" else path.startswith(url)
    return {"name": name, "url": url, "label": label, "icon": icon, "active": active}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(user, "org_unit", None) is None:
        return {"nav_items": [], "caps": set()}
    caps = user_caps(user)
    path = request.path
    items = []
    for entry in MENU:
        if len(entry) == 3:  # a group
            label, icon, children = entry
            shown = [c for c in (_item(*child, caps=caps, user=user, path=path) for child in children) if c]
            if shown:
                items.append({"group": True, "label": label, "icon": icon, "children": shown,
                              "active": any(c["active"] for c in shown)})
            continue
        item = _item(*entry, caps=caps, user=user, path=path)
        if item:
            items.append(item)
    inbox_count = None
    if Cap.REQUEST_VIEW in caps:
        from xueji.ui.views import todo_counts  # the same 待办 as the workbench and the inbox page

        inbox_count = todo_counts(user)["total"]
    role_labels = [label for value, label in Role.choices if value in user.role_set]
    return {"nav_items": items, "caps": caps, "role_labels": role_labels, "inbox_count": inbox_count}
