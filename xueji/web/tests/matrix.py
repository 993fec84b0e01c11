"""The jurisdiction matrix: every URL and API endpoint, walked by users of each level and role,
inside and outside their jurisdiction (see test_matrix.py).

A `Case` says what an endpoint needs and how to address an object with it:
- `cap`: the capability required (None: any signed-in user); users without it get 403;
- `obj`: the kind of scoped object the endpoint addresses, either by `pk` in the URL (`in_url`) or
  inside the request body (`data`); with the capability, an object inside the user's jurisdiction
  gives `ok`, one outside gives 404 and changes nothing;
- `anonymous`: what a visitor who is not signed in gets.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xueji.accounts.permissions import Cap


@dataclass(frozen=True)
class Case:
    name: str  # URL name, "api:school-detail"
    method: str = "get"
    cap: Cap | None = None
    obj: str | None = None  # org | school | class | student | user | job | audit | year
    in_url: bool = True
    data: Callable[..., dict[str, Any]] | None = None  # fn(obj, user, seq) -> body
    ok: tuple[int, ...] = (200,)
    anonymous: tuple[int, ...] = (401, 403)
    public: bool = False  # the anonymous answer is `ok` (login page, token endpoint)
    json: bool = True

    @property
    def key(self) -> str:
        return f"{self.name}:{self.method}"


def _class_payload(school, user, seq):
    return {"school": school.pk, "stage": school.stages[0], "cohort_year": 2000 + seq % 90, "number": 1 + seq % 98,
            "head_teacher": "李老师"}


def _school_payload(county, user, seq):
    return {"code": f"{county.code}{seq % 10000:04d}", "name": f"矩阵学校{seq}", "county": county.pk,
            "running_type": "211"}


def _user_payload(unit, user, seq):
    return {"username": f"matrix_{seq}", "full_name": "矩阵用户", "org_unit": unit.pk, "roles": ["leader"],
            "password": "Matrix@2026x"}


API_CASES: list[Case] = [
    Case("api:token", "post", data=lambda o, u, s: {"username": f"nobody{s}", "password": "Wrong@123456"},
         ok=(401,), public=True, anonymous=(401,)),
    Case("api:password-change", "post", data=lambda o, u, s: {"old_password": "x", "new_password": "y"},
         ok=(400,)),
    Case("api:me"),
    Case("api:user-list", cap=Cap.USER_MANAGE),
    Case("api:user-list", "post", cap=Cap.USER_MANAGE, obj="org", in_url=False, data=_user_payload, ok=(201,)),
    Case("api:user-detail", cap=Cap.USER_MANAGE, obj="user"),
    Case("api:user-detail", "patch", cap=Cap.USER_MANAGE, obj="user",
         data=lambda o, u, s: {"full_name": f"改名{s}"}),
    Case("api:user-reset-password", "post", cap=Cap.USER_MANAGE, obj="user",
         data=lambda o, u, s: {"new_password": "Reset@2026xy"}),
    Case("api:user-set-active", "post", cap=Cap.USER_MANAGE, obj="user", data=lambda o, u, s: {"is_active": True}),
    Case("api:user-unlock", "post", cap=Cap.USER_MANAGE, obj="user", data=lambda o, u, s: {}),
    Case("api:region-list"),
    Case("api:org-unit-list", cap=Cap.ORG_VIEW),
    Case("api:org-unit-detail", cap=Cap.ORG_VIEW, obj="org"),
    Case("api:school-list", cap=Cap.ORG_VIEW),
    Case("api:school-list", "post", cap=Cap.SCHOOL_MANAGE, obj="county", in_url=False, data=_school_payload,
         ok=(201,)),
    Case("api:school-detail", cap=Cap.ORG_VIEW, obj="school"),
    Case("api:school-detail", "patch", cap=Cap.SCHOOL_MANAGE, obj="school",
         data=lambda o, u, s: {"phone": f"0559-{s:07d}"}),
    Case("api:class-list", cap=Cap.ORG_VIEW),
    Case("api:class-list", "post", cap=Cap.CLASS_MANAGE, obj="school", in_url=False, data=_class_payload,
         ok=(201,)),
    Case("api:class-detail", cap=Cap.ORG_VIEW, obj="class"),
    Case("api:class-detail", "patch", cap=Cap.CLASS_MANAGE, obj="class",
         data=lambda o, u, s: {"head_teacher": f"赵老师{s}"}),
    Case("api:school-year-list"),
    Case("api:school-year-list", "post", cap=Cap.SCHOOL_YEAR_MANAGE,
         data=lambda o, u, s: {"start_year": 2030 + s % 60}, ok=(201,)),
    Case("api:school-year-set-current", "post", cap=Cap.SCHOOL_YEAR_MANAGE, obj="year", data=lambda o, u, s: {}),
    Case("api:student-list", cap=Cap.STUDENT_VIEW),
    Case("api:student-detail", cap=Cap.STUDENT_VIEW, obj="student"),
    Case("api:student-export", "post", cap=Cap.STUDENT_VIEW, obj="school", in_url=False,
         data=lambda o, u, s: {"school": o.pk}, ok=(202,)),
    Case("api:audit-event-list", cap=Cap.AUDIT_VIEW),
    Case("api:audit-event-detail", cap=Cap.AUDIT_VIEW, obj="audit"),
    Case("api:job-list", cap=Cap.JOB_VIEW),
    Case("api:job-detail", cap=Cap.JOB_VIEW, obj="job"),
    Case("api:job-download", cap=Cap.JOB_VIEW, obj="job"),
    Case("schema"),
    Case("swagger-ui", json=False),
    Case("redoc", json=False),
]
