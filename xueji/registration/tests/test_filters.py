"""The drafts list's one FilterSet (registration/filters.py): the page lists, and "submit all" files, the same
drafts for the same filters; a malformed filter is shown on the page's form and refuses the bulk submission; a
class outside the jurisdiction is refused on the form and submits nothing. (The drafts have no API list.)"""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from xueji.core import clock
from xueji.registration.filters import DraftFilterSet
from xueji.registration.selectors import draft_list
from xueji.registration.tests.test_flow import pupil_row
from xueji.registry.models import RegStatus, Student
from xueji.registry.services import student_enter
from xueji.registry.validation import validate_row
from xueji.schools.models import SchoolClass
from xueji.schools.selectors import class_list
from xueji.workflow.models import Request

pytestmark = pytest.mark.django_db


def _enter(world, n: int, name: str, school: str, klass: SchoolClass | None = None) -> Student:
    clean, errors = validate_row(pupil_row(n, name=name), today=clock.today(), require_class=False)
    assert not errors
    return student_enter(actor=world.user(school, "registrar"), school=world.schools[school],
                         school_class=klass or world.classes[school], clean=clean)


@pytest.fixture
def drafts(world) -> dict[str, Student]:
    """Three drafts of tunxi_primary in two classes, and one of tunxi_middle (another school, same county)."""
    first = world.classes["tunxi_primary"]
    second = SchoolClass.objects.create(school=first.school, stage=first.stage, cohort_year=first.cohort_year,
                                        number=2, head_teacher="李老师")
    return {"liming": _enter(world, 1, "李明", "tunxi_primary"),
            "lihua": _enter(world, 2, "李华", "tunxi_primary", second),
            "wangfang": _enter(world, 3, "王芳", "tunxi_primary", second),
            "middle": _enter(world, 4, "李四", "tunxi_middle")}


def _filters(world, drafts, filters: dict) -> dict:
    out = dict(filters)
    if out.get("school_class") == "second":
        out["school_class"] = drafts["lihua"].school_class_id
    elif out.get("school_class") == "foreign":
        out["school_class"] = world.classes["tunxi_middle"].pk
    if out.get("q") == "id":
        out["q"] = drafts["wangfang"].id_number
    return out


def _page_ids(client, filters) -> set[int]:
    """The drafts page as a user reaches it: the filter form posts, the list answers behind a lookup token."""
    html = client.post(reverse("registration:draft_list"), filters, follow=True).content.decode()
    return {int(pk) for pk in re.findall(r'name="student_ids" value="(\d+)"', html)}


def _submit_all(client, filters):
    return client.post(reverse("registration:registration_submit"), {"kind": "enrolled", "everything": "1",
                                                                      **filters})


@pytest.mark.parametrize(("filters", "shown"), [
    ({}, {"liming", "lihua", "wangfang"}), ({"q": "李"}, {"liming", "lihua"}), ({"q": "li"}, {"liming", "lihua"}),
    ({"q": "id"}, {"wangfang"}), ({"school_class": "second"}, {"lihua", "wangfang"}),
    ({"q": "李", "school_class": "second"}, {"lihua"}),
])
def test_the_page_and_submit_all_take_the_same_drafts(world, window, login, drafts, filters, shown):
    user = world.user("tunxi_primary", "registrar")
    client = login(user)
    filters = _filters(world, drafts, filters)
    expected = {drafts[name].pk for name in shown}

    assert _page_ids(client, filters) == expected
    assert set(draft_list(user=user, filters=filters).values_list("pk", flat=True)) == expected
    _submit_all(client, filters)

    request = Request.objects.get()
    assert set(Student.objects.filter(registration_request_id=request.pk).values_list("pk", flat=True)) == expected


def test_a_malformed_filter_is_shown_on_the_form_and_refuses_submit_all(world, window, login, drafts):
    client = login(world.user("tunxi_primary", "registrar"))

    response = client.get(reverse("registration:draft_list"), {"school_class": "abc"})
    assert response.context["filter_form"].errors.keys() == {"school_class"}
    assert 'class="text-danger small"' in response.content.decode()

    refused = _submit_all(client, {"school_class": "abc"})
    assert refused.status_code == 302
    assert "部分筛选条件无效。" in client.get(reverse("registration:draft_list")).content.decode()
    assert not Request.objects.exists()
    assert not Student.objects.exclude(reg_status=RegStatus.DRAFT).filter(pk__in=[d.pk for d in drafts.values()])


def test_a_class_outside_the_jurisdiction_is_refused_and_submits_nothing(world, window, login, drafts):
    client = login(world.user("tunxi_primary", "registrar"))
    foreign = _filters(world, drafts, {"school_class": "foreign"})

    response = client.get(reverse("registration:draft_list"), foreign)
    assert response.context["filter_form"].errors.keys() == {"school_class"}  # not among the choices
    assert drafts["middle"].name not in response.content.decode()

    _submit_all(client, foreign)
    assert not Request.objects.exists()
    assert Student.objects.get(pk=drafts["middle"].pk).registration_request_id is None


def test_the_form_offers_the_users_classes_with_chinese_labels(world, login, drafts):
    user = world.user("tunxi_primary", "registrar")
    form = DraftFilterSet({}, user=user, page=True,
                          choices={"school_class": class_list(user=user).select_related("school")}).form

    assert list(form.fields) == ["q", "school_class"]
    assert {c.pk for c in form.fields["school_class"].queryset} == {
        world.classes["tunxi_primary"].pk, drafts["lihua"].school_class_id}
    with translation.override("zh-hans"):
        assert [str(f.label) for f in form.fields.values()] == ["姓名、拼音或证件号", "班级"]
    html = login(user).get(reverse("registration:draft_list")).content.decode()
    assert "姓名、拼音或证件号" in html and "tunxi_primary · " in html  # a class named with its school
