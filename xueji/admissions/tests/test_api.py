"""The admission API: the same services as the pages, with stable codes and every row error in the answer."""

from django.urls import reverse

from xueji.admissions.models import Admission, AdmissionPlan
from xueji.admissions.tests.helpers import csv_file, graduate, newcomer_id, office, plan, row, upload, year


def test_the_office_sets_a_plan_and_imports_through_the_api(scene, client):
    client.force_login(office(scene))
    school = scene.schools["tunxi_senior"]
    answer = client.put(reverse("api:admission-plan-list"), {"school": school.pk, "stage": "3", "year": year(),
                                                             "quota": 3}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["quota"] == 3
    refused = client.post(reverse("api:admission-batch-list"), {
        "year": year(), "file": csv_file(row(newcomer_id(1), "9999999999"), row(newcomer_id(1), "tunxi_senior"))})
    assert refused.status_code == 200
    body = refused.json()
    assert body["status"] == "refused" and [e[0] for e in body["errors"]] == [2, 3]
    assert not Admission.objects.exists()
    imported = client.post(reverse("api:admission-batch-list"), {
        "year": year(), "file": csv_file(row(newcomer_id(1), "tunxi_senior"))})
    assert imported.status_code == 201 and imported.json()["admitted_rows"] == 1
    applied = client.post(reverse("api:admission-apply"), {"year": year()}, content_type="application/json")
    assert applied.json() == {"enrolled": 0, "new_records": 1}


def test_a_plan_below_the_admitted_answers_its_code(scene, client):
    plan(scene, "tunxi_senior", 1)
    upload(scene, row(graduate(scene, 1), "tunxi_senior"))
    client.force_login(office(scene))
    answer = client.put(reverse("api:admission-plan-list"), {
        "school": scene.schools["tunxi_senior"].pk, "stage": "3", "year": year(), "quota": 0},
        content_type="application/json")
    assert answer.status_code == 409 and answer.json()["code"] == "plan_below_admitted"
    assert AdmissionPlan.objects.get().quota == 1


def test_the_lists_stay_within_their_query_bounds(scene, login, django_assert_max_num_queries):
    plan(scene, "tunxi_senior", 30)
    plan(scene, "shexian_senior", 30)
    rows = [row(graduate(scene, n), "tunxi_senior") for n in range(1, 11)]
    upload(scene, *rows)
    upload(scene, *(r.replace("3410021003", "3410211003") for r in rows[:5]), unit="shexian")
    client = login(office(scene, "huangshan"))
    for name in ("admissions:admission_list", "admissions:duplicate_list", "admissions:batch_list",
                 "admissions:plan_change_list", "admissions:catchment_list"):
        with django_assert_max_num_queries(25):
            assert client.get(reverse(name)).status_code == 200
