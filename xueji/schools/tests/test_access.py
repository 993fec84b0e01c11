"""Who may read and change schools, classes and school years, through the API and the pages: anonymous, without
the capability, inside and outside the jurisdiction, for every action (xueji.testing.cases)."""

from xueji.testing.cases import Action, ApiCase, ViewCase


def _school(county, seq):
    # The world's schools are numbered 1001+; these take 8000-8999 so codes never collide.
    return {"code": f"{county.code}8{seq % 1000:03d}", "name": f"新开学校{seq}", "county": county.pk,
            "running_type": "211"}


def _class(school, seq):
    return {"school": school.pk, "stage": school.stages[0], "cohort_year": 2000 + seq % 90, "number": 1 + seq % 98,
            "head_teacher": "李老师"}


def _school_edit(school, seq):
    return {"name": school.name, "running_type": school.running_type, "stages": list(school.stages),
            "phone": f"0559-{seq:07d}", "is_active": "on"}


class TestSchoolsApi(ApiCase):
    actions = [
        Action("school list", "/api/v1/schools/", "org.view"),
        Action("school create", "/api/v1/schools/", "school.manage", "post", target="county", data=_school, ok=201),
        Action("school detail", "/api/v1/schools/{pk}/", "org.view", target="school"),
        Action("school edit", "/api/v1/schools/{pk}/", "school.manage", "patch", target="school",
               data=lambda school, seq: {"phone": f"0559-{seq:07d}"}),
        Action("class list", "/api/v1/classes/", "org.view"),
        Action("class create", "/api/v1/classes/", "class.manage", "post", target="school", data=_class, ok=201),
        Action("class detail", "/api/v1/classes/{pk}/", "org.view", target="class"),
        Action("class edit", "/api/v1/classes/{pk}/", "class.manage", "patch", target="class",
               data=lambda klass, seq: {"head_teacher": f"赵老师{seq}"}),
        Action("school year list", "/api/v1/school-years/", "signed_in"),
        Action("school year create", "/api/v1/school-years/", "school_year.manage", "post",
               data=lambda _none, seq: {"start_year": 2030 + seq % 60}, ok=201),
        Action("school year set current", "/api/v1/school-years/{pk}/set-current/", "school_year.manage", "post",
               target="year"),
    ]


class TestSchoolPages(ViewCase):
    actions = [
        Action("school list", "/schools/", "org.view"),
        Action("school detail", "/schools/{pk}/", "org.view", target="school"),
        Action("school create form", "/schools/new/", "school.manage"),
        Action("school create", "/schools/new/", "school.manage", "post", target="county", data=_school, ok=302),
        Action("school edit form", "/schools/{pk}/edit/", "school.manage", target="school"),
        Action("school edit", "/schools/{pk}/edit/", "school.manage", "post", target="school", data=_school_edit,
               ok=302),
        Action("class list", "/classes/", "org.view"),
        Action("class detail", "/classes/{pk}/", "org.view", target="class"),
        Action("class create form", "/classes/new/", "class.manage"),
        Action("class create", "/classes/new/", "class.manage", "post", target="school", data=_class, ok=302),
        Action("class edit form", "/classes/{pk}/edit/", "class.manage", target="class"),
        Action("class edit", "/classes/{pk}/edit/", "class.manage", "post", target="class",
               data=lambda klass, seq: {"head_teacher": f"赵老师{seq}", "is_active": "on"}, ok=302),
        Action("school year list", "/school-years/", "signed_in"),
        Action("school year create form", "/school-years/new/", "school_year.manage"),
        Action("school year create", "/school-years/new/", "school_year.manage", "post",
               data=lambda _none, seq: {"start_year": 2030 + seq % 60}, ok=302),
        Action("school year set current", "/school-years/{pk}/set-current/", "school_year.manage", "post",
               target="year", ok=302),
    ]
