"""平台账号's part of the jurisdiction matrix (xueji/ui/tests/test_matrix.py): two more system administrators in
each unit below the ministry that acts (and one of another province), and two reports of each (one for the API's
bind, one for the page's), owned in the matrix by the level above that binds them."""

from xueji.accounts.models import Role, RoleAssignment, User
from xueji.core import clock
from xueji.support.platform_models import AccountReport

PHONES = {"api": "13900000001", "web": "13900000002"}  # which case binds the report
UNITS = ("anhui", "huangshan", "tunxi", "tunxi_primary", "xuanwu_primary")


def matrix_platform(world) -> None:
    now = clock.now()
    for name in UNITS:
        unit = world.units[name]
        admins = []
        for suffix in ("a", "b"):
            user = User(username=f"matrix_admin_{suffix}_{unit.pk}", full_name="矩阵管理员", org_unit=unit,
                        password_changed_at=now)
            user.set_password("Kq7#Lx2!mZw9")
            user.save()
            RoleAssignment.objects.create(user=user, role=Role.SYSADMIN)
            admins.append(user)
        for phone in PHONES.values():
            AccountReport.objects.create(org_unit=unit, parent_org_id=unit.parent_id, user=admins[0],
                                         phone=phone, email="",
                                         reported_by=world.user(name, "sysadmin"), reported_at=now)


def matrix_objects(kind: str):
    """The reports as (the level above, report), the top first: each acting unit meets the report of a unit
    directly below it first."""
    phone = PHONES["web" if kind.endswith("_web") else "api"]
    return [(r.parent_org, r) for r in AccountReport.objects.filter(user__username__startswith="matrix_admin_a_",
                                                                   phone=phone)
            .select_related("parent_org").order_by("parent_org__path")]


def matrix_second_admin(user) -> int:
    """Another system administrator of the acting unit (the page reports them; the API reports the actor)."""
    if user is None:
        return 0
    other = User.objects.filter(username=f"matrix_admin_b_{user.org_unit_id}").first()
    return other.pk if other else user.pk
