"""The web pages' rows of the jurisdiction matrix (walked by test_matrix.py with the API rows).

Web answers differ from the API's: anonymous visitors are redirected to the login page (302), a
successful form post redirects (302), and an out-of-jurisdiction id, in the URL or in a form, is 404.
"""

from xueji.accounts.permissions import Cap
from xueji.web.tests.matrix import Case, _class_payload, _school_payload


def _web(name, method="get", **kwargs) -> Case:
    kwargs.setdefault("anonymous", (302,))
    return Case(name, method, json=False, **kwargs)


def _school_edit(school, user, seq):
    return {"name": school.name, "running_type": school.running_type, "stages": list(school.stages),
            "phone": f"0559-{seq:07d}", "is_active": "on"}


def _user_create(unit, user, seq):
    # The password shares little with the username, so the similarity validator never trips on some seq.
    return {"username": f"webmatrix_{seq}", "full_name": "矩阵用户", "org_unit": unit.pk, "roles": ["leader"],
            "password": "Qz7#pLw9Rt"}


def _user_edit(target, user, seq):
    return {"full_name": f"改名{seq}", "org_unit": target.org_unit_id, "roles": sorted(target.role_set)}


REDIRECT = (302,)
WEB_CASES: list[Case] = [
    _web("web:login", public=True, ok=(200, 302), anonymous=(200,)),
    _web("web:login", "post", public=True, ok=(200,), anonymous=(200,),
         data=lambda o, u, s: {"username": "nobody", "password": "Wrong@123456"}),
    _web("web:logout", "post", ok=REDIRECT),
    _web("web:password_change"),
    _web("web:password_change", "post", ok=(200,),
         data=lambda o, u, s: {"old_password": "x", "new_password": "y", "new_password2": "y"}),
    _web("web:workbench"),
    _web("web:org_list", cap=Cap.ORG_VIEW),
    _web("web:org_detail", cap=Cap.ORG_VIEW, obj="org"),
    _web("web:school_list", cap=Cap.ORG_VIEW),
    _web("web:school_detail", cap=Cap.ORG_VIEW, obj="school"),
    _web("web:school_create", cap=Cap.SCHOOL_MANAGE),
    _web("web:school_create", "post", cap=Cap.SCHOOL_MANAGE, obj="county", in_url=False, data=_school_payload,
         ok=REDIRECT),
    _web("web:school_edit", cap=Cap.SCHOOL_MANAGE, obj="school"),
    _web("web:school_edit", "post", cap=Cap.SCHOOL_MANAGE, obj="school", data=_school_edit, ok=REDIRECT),
    _web("web:class_list", cap=Cap.ORG_VIEW),
    _web("web:class_detail", cap=Cap.ORG_VIEW, obj="class"),
    _web("web:class_create", cap=Cap.CLASS_MANAGE),
    _web("web:class_create", "post", cap=Cap.CLASS_MANAGE, obj="school", in_url=False, data=_class_payload,
         ok=REDIRECT),
    _web("web:class_edit", cap=Cap.CLASS_MANAGE, obj="class"),
    _web("web:class_edit", "post", cap=Cap.CLASS_MANAGE, obj="class",
         data=lambda o, u, s: {"head_teacher": f"赵老师{s}", "is_active": "on"}, ok=REDIRECT),
    _web("web:school_year_list"),
    _web("web:school_year_create", cap=Cap.SCHOOL_YEAR_MANAGE),
    _web("web:school_year_create", "post", cap=Cap.SCHOOL_YEAR_MANAGE,
         data=lambda o, u, s: {"start_year": 2030 + s % 60}, ok=REDIRECT),
    _web("web:school_year_set_current", "post", cap=Cap.SCHOOL_YEAR_MANAGE, obj="year", ok=REDIRECT),
    _web("web:student_list", cap=Cap.STUDENT_VIEW),
    _web("web:student_detail", cap=Cap.STUDENT_VIEW, obj="student"),
    _web("web:student_export", "post", cap=Cap.STUDENT_VIEW, obj="school", in_url=False,
         data=lambda o, u, s: {"school": o.pk}, ok=REDIRECT),
    _web("web:user_list", cap=Cap.USER_MANAGE),
    _web("web:user_create", cap=Cap.USER_MANAGE),
    _web("web:user_create", "post", cap=Cap.USER_MANAGE, obj="org", in_url=False, data=_user_create,
         ok=REDIRECT),
    _web("web:user_edit", cap=Cap.USER_MANAGE, obj="user"),
    _web("web:user_edit", "post", cap=Cap.USER_MANAGE, obj="user", data=_user_edit, ok=REDIRECT),
    _web("web:user_reset_password", cap=Cap.USER_MANAGE, obj="user"),
    _web("web:user_reset_password", "post", cap=Cap.USER_MANAGE, obj="user",
         data=lambda o, u, s: {"new_password": "Reset@2026xy"}, ok=REDIRECT),
    _web("web:user_set_active", "post", cap=Cap.USER_MANAGE, obj="user", data=lambda o, u, s: {"is_active": "1"},
         ok=REDIRECT),
    _web("web:user_unlock", "post", cap=Cap.USER_MANAGE, obj="user", ok=REDIRECT),
    _web("web:audit_list", cap=Cap.AUDIT_VIEW),
    _web("web:audit_detail", cap=Cap.AUDIT_VIEW, obj="audit"),
    _web("web:job_list", cap=Cap.JOB_VIEW),
    _web("web:job_detail", cap=Cap.JOB_VIEW, obj="job"),
    _web("web:job_progress", cap=Cap.JOB_VIEW, obj="job"),
    _web("web:job_download", cap=Cap.JOB_VIEW, obj="job"),
]
