"""The admission pages: the plans with their totals and inline editing, the import with its row report, the
admissions with the run, the duplicates with the resolve, and a school's plan change."""

from django.urls import reverse

from xueji.admissions.models import Admission, AdmissionPlan
from xueji.admissions.tests.helpers import csv_file, graduate, newcomer_id, office, plan, row, upload, year
from xueji.registry.models import Student


def test_the_plan_list_shows_totals_and_saves_a_row_inline(scene, login, django_assert_max_num_queries):
    for name in ("tunxi_senior", "shexian_senior"):
        plan(scene, name, 30, unit="huangshan")
    client = login(office(scene, "huangshan"))
    with django_assert_max_num_queries(25):
        page = client.get(reverse("admissions:plan_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="plan-totals"' in html and "60" in html and 'data-testid="plan-inline"' in html
    school = scene.schools["tunxi_senior"]
    answer = client.post(reverse("admissions:plan_list"), {"inline": "1", "school": school.pk, "stage": "3",
                                                            "year": year(), "quota": 35})
    assert answer.status_code == 302
    assert AdmissionPlan.objects.get(school=school).quota == 35


def test_a_school_sees_its_plan_and_files_a_change(scene, login):
    plan(scene, "tunxi_senior", 30)
    client = login(scene.user("tunxi_senior", "registrar"))
    assert 'data-testid="plan-inline"' not in client.get(reverse("admissions:plan_list")).content.decode()
    answer = client.post(reverse("admissions:plan_change_new"), {"stage": "3", "year": year(), "quota": 40,
                                                                  "reason": "扩班"})
    assert answer.status_code == 302
    listed = login(office(scene)).get(reverse("admissions:plan_change_list")).content.decode()
    assert "30 → 40" in listed and 'name="approve"' in listed  # the change, and the office may decide it


def test_an_upload_with_errors_shows_every_row_error_and_admits_nobody(scene, login):
    plan(scene, "tunxi_senior", 5)
    client = login(office(scene))
    answer = client.post(reverse("admissions:batch_list"), {
        "year": year(), "file": csv_file(row(graduate(scene, 1), "9999999999"), row(newcomer_id(2), "tunxi_senior"),
                                         row(newcomer_id(2), "tunxi_senior"))})
    assert answer.status_code == 302
    page = client.get(answer["Location"]).content.decode()
    assert 'data-testid="refused"' in page and "9999999999" in page
    assert not Admission.objects.exists()
    report = client.get(reverse("admissions:batch_errors", args=[answer["Location"].rstrip("/").split("/")[-1]]))
    assert report.status_code == 200 and report.content[:2] == b"PK"


def test_the_office_runs_the_admission_and_resolves_a_duplicate_from_the_pages(scene, login):
    plan(scene, "tunxi_senior", 5)
    plan(scene, "shexian_senior", 5)
    pupil = graduate(scene, 1)
    upload(scene, row(pupil, "tunxi_senior"))
    upload(scene, row(pupil, "shexian_senior"), unit="shexian")
    city = login(office(scene, "huangshan"))
    listed = city.get(reverse("admissions:duplicate_list")).content.decode()
    assert listed.count('data-testid="keep"') == 2
    kept = Admission.objects.get(school=scene.schools["tunxi_senior"])
    assert city.post(reverse("admissions:admission_keep", args=[kept.pk])).status_code == 302
    assert city.post(reverse("admissions:admission_apply"), {"year": year()}).status_code == 302
    assert Student.objects.get(pk=pupil.pk).school_id == scene.schools["tunxi_senior"].pk
    page = city.get(reverse("admissions:admission_list"))
    assert page.status_code == 200 and pupil.id_number not in page.content.decode()  # the ID masked
