"""The student list (issue 8, item 15): total count, page size, sorting, search by pinyin initials and by part of an
ID, the partial ID never an oracle for a role that sees IDs masked."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from xueji.registry.models import NationalNumber, Student
from xueji.registry.selectors import is_identity_query, student_count, student_list
from xueji.registry.services import student_update_items
from xueji.registry.validation import name_initials

pytestmark = pytest.mark.django_db


@pytest.fixture
def named(world):
    """The first pupil renamed through the door (which sets the pinyin and its initials)."""
    student = world.students["tunxi_primary"]
    return student_update_items(actor=None, student=student, items={"name": "张小明"})


def _names(user, q, **filters) -> set[str]:
    return set(student_list(user=user, filters={"q": q, **filters}).values_list("name", flat=True))


def test_the_door_stores_the_pinyin_initials_and_the_list_finds_them(world, named):
    user = world.user("tunxi", "leader")
    assert Student.objects.get(pk=named.pk).name_initials == "zxm" == name_initials("张小明")
    assert _names(user, "zxm") == {"张小明"} and _names(user, "zx") == {"张小明"}
    assert _names(user, "zhangxiao") == {"张小明"}
    assert _names(user, "ZXM") == {"张小明"}


def test_a_registrar_finds_by_the_last_characters_of_an_id_alone_or_with_a_name(world, named):
    registrar = world.user("tunxi_primary", "registrar")
    tail6 = named.id_number[-6:]
    assert _names(registrar, tail6) == {"张小明"}
    assert _names(registrar, f"张 {named.id_number[-5:]}") == {"张小明"}
    assert _names(registrar, f"zxm {named.id_number[-4:]}") == {"张小明"}


def test_a_masked_role_finds_by_the_visible_last_four_with_a_name_and_learns_nothing_more(world, named):
    leader = world.user("tunxi_primary", "leader")
    number = named.id_number
    assert _names(leader, number[-6:]) == set()  # a tail alone is no search for a masked role
    assert _names(leader, f"张 {number[-4:]}") == {"张小明"}
    # Only the 4 characters the mask shows count: a wrong fifth-last digit matches as well, so trying the ten
    # digits one by one tells nothing about the hidden ones.
    wrong = str((int(number[-5]) + 1) % 10) + number[-4:]
    assert _names(leader, f"张 {wrong}") == _names(leader, f"张 {number[-5:]}") == {"张小明"}
    assert _names(leader, number) == {"张小明"}  # the whole ID names one pupil, as before


def test_a_g_number_matches_a_masked_role_only_whole(world, named):
    g_number = "G" + named.id_number
    Student.objects.filter(pk=named.pk).update(national_number=g_number)
    NationalNumber.objects.create(number=g_number, kind="G", student=named, issued_at=named.created_at)
    leader, registrar = world.user("tunxi_primary", "leader"), world.user("tunxi_primary", "registrar")
    assert _names(leader, g_number[-8:]) == set() and _names(registrar, g_number[-8:]) == {"张小明"}
    assert _names(leader, g_number) == {"张小明"}


def test_an_id_part_never_travels_in_an_api_url(world, login):
    client = login(world.user("tunxi_primary", "registrar"))
    assert is_identity_query("张 508X") is False and is_identity_query("张 1508X") is True
    refused = client.get("/api/v1/students/", {"q": "张 1508"})
    assert refused.status_code == 400 and refused.json()["code"] == "id_in_url"


def test_the_list_shows_the_total_page_sizes_and_sorts_by_name(world, login, named):
    client = login(world.user("anhui", "registrar"))
    url = reverse("registry:student_list")

    html = client.get(url, {"per_page": 2, "sort": "name"}).content.decode()

    assert f"共 {student_count(user=world.user('anhui', 'registrar'))} 名学生" in html
    assert student_count(user=world.user("anhui", "registrar")) == 4
    assert html.count("/students/") >= 2 and 'data-per-page="50"' in html
    rows = [name for name in ("学生2", "学生3", "学生4", "张小明") if name in html]
    assert rows == ["学生2", "学生3"]  # xuesheng2, xuesheng3 before zhangxiaoming, two a page
    descending = client.get(url, {"per_page": 2, "sort": "-name"}).content.decode()
    assert "张小明" in descending


def test_the_api_sorts_by_the_indexed_orders_only(world, login, named):
    client = login(world.user("anhui", "registrar"))
    names = [s["name"] for s in client.get("/api/v1/students/", {"ordering": "-name"}).json()["results"]]
    assert names[0] == "张小明"
    assert client.get("/api/v1/students/", {"ordering": "id_number"}).status_code == 400


def test_the_data_migration_fills_the_initials_of_existing_pupils(world):
    Student.objects.update(name_initials="")
    Student.objects.filter(pk=world.students["tunxi_primary"].pk).update(name="曾小明")
    migration = importlib.import_module("xueji.registry.migrations.0007_fill_name_initials")

    migration.fill(apps, None)

    assert Student.objects.get(pk=world.students["tunxi_primary"].pk).name_initials == "zxm"
    assert set(Student.objects.values_list("name_initials", flat=True)) == {"zxm", "xs"}
