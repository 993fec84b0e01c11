"""One school year turns over through the API alone (issue 10, "Done when"): the junior school graduates its final
grade, the province promotes, the county's admissions office sets the plan, imports the results and runs the
admission; the graduates then sit in the senior school's entering class of the new year, their destinations (去向)
filled, none left without a record, and the graduated record locked in the junior school."""

from django.urls import reverse

from xueji.admissions.tests.helpers import csv_file, office, row
from xueji.jobs.services import job_run
from xueji.registry import counts
from xueji.registry.models import Student
from xueji.schools.models import SchoolClass, SchoolYear
from xueji.schools.selectors import current_school_year_start
from xueji.schoolyear.models import Graduate
from xueji.schoolyear.tests.conftest import add_pupil


def test_a_school_year_turns_over_through_the_api(scene, client):
    start = current_school_year_start()
    junior = scene.schools["tunxi_middle"]
    final = SchoolClass.objects.create(school=junior, stage="2", cohort_year=start - 2, number=3)
    pupils = [add_pupil(scene, final, 40 + n) for n in range(3)]
    counts.rebuild()

    # 1. 毕业: the junior school graduates its final grade (one pupil as an exception stays).
    client.force_login(scene.user("tunxi_middle", "registrar"))
    listed = client.get(reverse("api:graduation")).json()
    assert {p["id"] for p in listed} >= {p.pk for p in pupils}
    done = client.post(reverse("api:graduation"), {"students": [p.pk for p in pupils[:2]]},
                       content_type="application/json")
    assert done.status_code in (200, 201), done.content
    # ... and, at the window's close, the county graduates what is left of its schools' final grades (统一毕业).
    client.force_login(scene.user("tunxi", "registrar"))
    closed = client.post(reverse("api:graduation-close"), {"schools": [junior.pk]}, content_type="application/json")
    assert closed.status_code == 200 and closed.json()["pupils"] == 1

    # 2. 升级: the province runs the promotion; the deployment's year moves with it.
    client.force_login(scene.user("anhui", "registrar"))
    started = client.post(reverse("api:promotion-start"), {}, content_type="application/json")
    assert started.status_code == 202, started.content
    job_run(started.json()["job"])
    assert SchoolYear.objects.get(is_current=True).start_year == start + 1
    assert current_school_year_start(junior) == start + 1

    # 3. 招生: the senior school's entering class of the new year, the plan, the results, the admission run.
    senior = scene.schools["tunxi_senior"]
    SchoolClass.objects.create(school=senior, stage="3", cohort_year=start + 1, number=1)
    client.force_login(office(scene))
    planned = client.put(reverse("api:admission-plan-list"), {"school": senior.pk, "stage": "3", "year": start + 1,
                                                              "quota": 10}, content_type="application/json")
    assert planned.status_code == 200, planned.content
    imported = client.post(reverse("api:admission-batch-list"), {
        "year": start + 1, "file": csv_file(*(row(Student.objects.get(pk=p.pk), "tunxi_senior") for p in pupils))})
    assert imported.status_code == 201 and imported.json()["admitted_rows"] == 3, imported.content
    applied = client.post(reverse("api:admission-apply"), {"year": start + 1}, content_type="application/json")
    assert applied.status_code == 200 and applied.json()["enrolled"] == 3, applied.content

    placed = Student.objects.filter(school=senior, status__in=("01", "04", "05"))
    assert placed.count() == 3
    assert set(Graduate.objects.filter(student__in=pupils).values_list("destination", "destination_school")) == {
        ("10", senior.pk)}
    assert counts.differences() == {}
