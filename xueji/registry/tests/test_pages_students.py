"""The pupil list with its filters, and masking of ID numbers on the pupils' pages."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_student_list_filters(world, login):
    client = login(world.user("anhui", "registrar"))
    url = reverse("registry:student_list")
    html = client.get(url).content.decode()
    assert all(f"学生{i}" in html for i in (1, 2, 3, 4)) and "学生5" not in html  # xuanwu is Jiangsu
    html = client.get(url, {"school": world.schools["shexian_primary"].pk}).content.decode()
    assert "学生3" in html and "学生1" not in html
    html = client.post(url, {"q": "学生2"}, follow=True).content.decode()  # the search text posts
    assert "学生2" in html and "学生1<" not in html
    html = client.get(url, {"sex": "2"}).content.decode()
    assert "学生1" not in html and "没有找到记录" in html
    klass = world.classes["tunxi_middle"]
    html = client.get(url, {"school": klass.school_id, "school_class": klass.pk}).content.decode()
    assert "学生2" in html and "学生1<" not in html


def test_ids_are_masked_for_a_leader_and_for_a_registrar(world, login, client):
    student = world.students["tunxi_primary"]
    full = student.id_number
    masked = full[:4] + "*" * 10 + full[-4:]
    parent_id = student.family.get().id_number

    login(world.user("tunxi_primary", "leader"))
    for url in (reverse("registry:student_list"), reverse("registry:student_detail", args=[student.pk]),
                reverse("schools:class_detail", args=[student.school_class_id])):
        html = client.get(url).content.decode()
        assert masked in html and full not in html, url
    assert parent_id not in client.get(reverse("registry:student_detail", args=[student.pk])).content.decode()

    # The registrar too (control 29): full numbers only through the unmask action, with a reason (test_unmask.py).
    login(world.user("tunxi_primary", "registrar"))
    html = client.get(reverse("registry:student_list")).content.decode()
    assert masked in html and full not in html
    html = client.get(reverse("registry:student_detail", args=[student.pk])).content.decode()
    assert masked in html and full not in html and parent_id not in html and "家长1" in html
