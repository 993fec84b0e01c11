"""The yearly promotion (issue 10, item 2): the check per school, the dry run, one job for the province that
promotes each school once (run twice: promoted once), schools held back and promoted later, blocked schools left
behind with what blocks them, one batch record in each pupil's timeline (no history row per pupil), the backup
and the periodic start at the configured moment."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.urls import reverse

from xueji.core import clock
from xueji.core.errors import Conflict
from xueji.jobs.models import JobStatus
from xueji.jobs.services import job_run
from xueji.problems.choices import ProblemKind
from xueji.problems.records import record_problems
from xueji.registry.models import StudentHistory
from xueji.registry.timeline import student_timeline
from xueji.schools.models import School, SchoolClass
from xueji.schools.selectors import current_school_year_start
from xueji.schoolyear import selectors, services
from xueji.schoolyear.choices import SchoolState
from xueji.schoolyear.models import PromotionRun, PromotionSchool
from xueji.schoolyear.services import graduation_graduate
from xueji.workflow.models import Request
from xueji.workflow.timeline import PUPIL


def _province(world):
    return world.user("anhui", "registrar")


def _graduate_all(world):
    graduation_graduate(actor=world.user("tunxi_primary", "registrar"), school=world.schools["tunxi_primary"],
                        student_ids=[s.pk for s in world.graduating])


def _years(world) -> dict[str, int]:
    current = current_school_year_start()
    return {name: School.objects.get(pk=s.pk).year_in_effect(current) for name, s in world.schools.items()}


def _run(world, actor=None):
    job = services.promotion_start(actor=actor or _province(world))
    done = job_run(job.pk)
    assert done.status == JobStatus.SUCCEEDED, done.error_detail
    return done


def _grade(klass: SchoolClass) -> str | None:
    klass = SchoolClass.objects.select_related("school").get(pk=klass.pk)
    return klass.grade_code(current_school_year_start(klass.school))


def test_the_check_lists_what_blocks_each_school(scene):
    run = services.promotion_prepare(actor=_province(scene))
    rows = {r["school"].pk: r for r in selectors.promotion_check(user=_province(scene), run=run)}
    assert set(rows) == {s.pk for n, s in scene.schools.items() if n != "xuanwu_primary"}  # the province's own
    assert rows[scene.schools["tunxi_primary"].pk]["blockers"] == {"final_grade": 3}
    pupil = scene.students["shexian_primary"]
    Request.objects.create(type="changes.status", title="t", filer=scene.user("shexian_primary", "registrar"),
                           filer_org=scene.units["shexian_primary"], subject_type=PUPIL, subject_id=str(pupil.pk),
                           created_at=clock.now(), updated_at=clock.now())
    member = scene.students["yaohai_primary"]
    record_problems(kind=ProblemKind.ID_ERROR, province_code="340000", groups={f"s{member.pk}": [member.pk]},
                    details={f"s{member.pk}": {"reason": "id_not_found"}}, source="scan")
    rows = {r["school"].pk: r for r in selectors.promotion_check(user=_province(scene), run=run)}
    assert rows[scene.schools["shexian_primary"].pk]["blockers"] == {"open_requests": 1}
    assert rows[scene.schools["yaohai_primary"].pk]["blockers"] == {"problems": 1}
    assert rows[scene.schools["tunxi_middle"].pk]["blockers"] == {}
    # A county sees its own schools only.
    county = {r["school"].pk for r in selectors.promotion_check(user=scene.user("tunxi", "registrar"), run=run)}
    assert county == {scene.schools["tunxi_primary"].pk, scene.schools["tunxi_middle"].pk}


def test_the_dry_run_reports_per_school_and_grade_and_writes_nothing(scene):
    run = services.promotion_prepare(actor=_province(scene))
    before = _years(scene)
    rows = selectors.promotion_dry_run(user=_province(scene), run=run)
    tunxi = [(str(r["grade"]), str(r["next"]) if r["next"] else None, r["pupils"]) for r in rows
             if r["school"].pk == scene.schools["tunxi_primary"].pk]
    assert tunxi == [("一年级", "二年级", 1), ("二年级", "三年级", 1), ("六年级", None, 3)]
    assert _years(scene) == before


def test_the_run_promotes_every_school_once_with_no_history_row_per_pupil(scene):
    _graduate_all(scene)
    start = current_school_year_start()
    history = StudentHistory.objects.count()
    done = _run(scene)
    assert done.result["promoted"] == 4 and done.result["blocked"] == 0
    years = _years(scene)
    assert {n: y for n, y in years.items() if n != "xuanwu_primary"} == dict.fromkeys(
        ("tunxi_primary", "tunxi_middle", "shexian_primary", "yaohai_primary"), start + 1)
    assert years["xuanwu_primary"] == start  # the other province turns on its own day
    assert _grade(scene.classes["tunxi_primary"]) == "13" and _grade(scene.classes["grade1"]) == "12"
    assert not SchoolClass.objects.get(pk=scene.classes["grade6"].pk).is_active  # graduated: closed
    assert StudentHistory.objects.count() == history  # the turn writes no pupil
    assert Path(done.result["backup"]).exists()
    kept = json.loads(Path(done.result["backup"]).read_text())
    # every school of the deployment (its current year moves at the end, pinning the others)
    assert kept["from_year"] == start and len(kept["schools"]) == 5 and kept["current_year"] == start
    # Run twice: nothing more (every pupil exactly one grade up).
    again = _run(scene)
    assert again.result["promoted"] == 0
    assert _years(scene) == years and _grade(scene.classes["tunxi_primary"]) == "13"


def test_each_pupil_timeline_shows_one_promotion_entry(scene):
    _graduate_all(scene)
    _run(scene)
    user = scene.user("tunxi_primary", "registrar")
    entries = student_timeline(user=user, student=scene.students["tunxi_primary"]).entries
    assert [e["kind"] for e in entries].count("promotion") == 1
    other = student_timeline(user=scene.user("xuanwu_primary", "registrar"),
                             student=scene.students["xuanwu_primary"]).entries
    assert "promotion" not in [e["kind"] for e in other]


def test_a_blocked_school_stays_behind_and_is_promoted_once_cleared(scene):
    start = current_school_year_start()
    done = _run(scene)  # tunxi_primary's final grade has not graduated
    assert done.result["blocked"] == 1 and done.result["promoted"] == 3
    row = PromotionSchool.objects.get(school=scene.schools["tunxi_primary"])
    assert row.state == SchoolState.BLOCKED and row.blockers == {"final_grade": 3}
    assert _years(scene)["tunxi_primary"] == start
    county = scene.user("tunxi", "registrar")
    with pytest.raises(Conflict) as refused:
        services.promotion_school_now(actor=county, school=scene.schools["tunxi_primary"])
    assert refused.value.code == "promotion_blocked"
    assert _years(scene)["tunxi_primary"] == start
    _graduate_all(scene)
    promoted = services.promotion_school_now(actor=county, school=scene.schools["tunxi_primary"])
    assert promoted.state == SchoolState.PROMOTED and _years(scene)["tunxi_primary"] == start + 1


def test_a_school_held_back_stays_in_its_year_and_is_promoted_later(scene):
    _graduate_all(scene)
    start = current_school_year_start()
    county = scene.user("shexian", "registrar")
    with pytest.raises(Conflict) as early:
        services.promotion_school_now(actor=county, school=scene.schools["shexian_primary"])
    assert early.value.code == "promotion_not_run"
    services.promotion_exclude(actor=county, school=scene.schools["shexian_primary"], reason="校舍改建")
    done = _run(scene)
    assert done.result["excluded"] == 1 and done.result["promoted"] == 3
    assert School.objects.get(pk=scene.schools["shexian_primary"].pk).year_start == start  # pinned to its year
    assert _years(scene)["shexian_primary"] == start
    row = services.promotion_school_now(actor=county, school=scene.schools["shexian_primary"])
    assert row.state == SchoolState.PROMOTED and _years(scene)["shexian_primary"] == start + 1
    with pytest.raises(Conflict) as twice:
        services.promotion_school_now(actor=county, school=scene.schools["shexian_primary"])
    assert twice.value.code == "promotion_done"
    assert _years(scene)["shexian_primary"] == start + 1


def test_only_the_province_runs_and_a_school_outside_the_jurisdiction_is_not_found(scene):
    from xueji.core.errors import Forbidden, NotFound

    with pytest.raises(Forbidden):
        services.promotion_start(actor=scene.user("tunxi", "registrar"))
    with pytest.raises(NotFound):
        services.promotion_exclude(actor=scene.user("tunxi", "registrar"), school=scene.schools["shexian_primary"])
    assert not PromotionSchool.objects.filter(state=SchoolState.EXCLUDED).exists()


def test_the_periodic_hook_starts_a_scheduled_run_at_the_moment(scene):
    run = services.promotion_schedule(actor=_province(scene))
    moment = services.promotion_moment(run)
    assert moment == dt.datetime(run.to_year, 8, 11, tzinfo=clock.SHANGHAI)  # 10 August 24:00
    with clock.frozen(moment - dt.timedelta(minutes=1)):
        assert services.promotion_due() == {"started": []}
    with clock.frozen(moment + dt.timedelta(minutes=1)):
        started = services.promotion_due()["started"]
    assert len(started) == 1
    assert PromotionRun.objects.get(pk=run.pk).job_id == started[0]
    assert services.promotion_due() == {"started": []}  # running: not started twice


def test_the_promotion_pages(scene, client):
    client.force_login(_province(scene))
    page = client.get(reverse("schoolyear:promotion"))
    assert page.status_code == 200 and 'data-testid="check"' in page.content.decode()
    assert client.get(reverse("schoolyear:promotion_dry_run")).status_code == 200
    assert client.get(reverse("schoolyear:calendar")).status_code == 200
    answer = client.post(reverse("schoolyear:promotion_exclude", args=[scene.schools["yaohai_primary"].pk]))
    assert answer.status_code == 302
    assert PromotionSchool.objects.get(school=scene.schools["yaohai_primary"]).state == SchoolState.EXCLUDED
    api = client.get(reverse("api:promotion"))
    assert api.status_code == 200 and api.json()["schools"]["excluded"] == 1
    assert client.get(reverse("api:promotion-check")).status_code == 200
    assert client.get(reverse("api:promotion-dry-run")).status_code == 200


def test_the_calendar_shows_what_is_late(scene):
    from xueji.policy.models import BusinessWindow
    from xueji.schoolyear.calendar import calendar_of

    user = scene.user("anhui", "registrar")
    deadline = BusinessWindow.objects.filter(province_code="340000", kind="graduation.graduation").get().end_date
    with clock.frozen(deadline + dt.timedelta(days=1)):
        found = calendar_of(user=user)
    late = {r["school"].pk for r in found["schools"] if r["graduation_late"]}
    assert late == {scene.schools["tunxi_primary"].pk}  # its final grade is still in school after the deadline
    tunxi = next(c for c in found["counties"] if c["id"] == scene.units["tunxi"].pk)
    assert tunxi["remaining"] == 3 and tunxi["graduation_late"] == 1
    _graduate_all(scene)
    with clock.frozen(deadline + dt.timedelta(days=1)):
        assert not any(r["graduation_late"] for r in calendar_of(user=user)["schools"])


def test_the_main_pages_stay_within_their_queries(scene, client, django_assert_max_num_queries):
    client.force_login(_province(scene))
    client.get(reverse("schoolyear:promotion"))  # the run prepared once
    for name in ("schoolyear:promotion", "schoolyear:promotion_dry_run", "schoolyear:calendar"):
        with django_assert_max_num_queries(40):
            assert client.get(reverse(name)).status_code == 200
    client.force_login(scene.user("tunxi_primary", "registrar"))
    with django_assert_max_num_queries(40):
        assert client.get(reverse("schoolyear:graduation")).status_code == 200


def test_the_deployment_s_current_year_follows_the_province_and_moves_no_other_school(scene):
    from xueji.schools.models import SchoolYear

    _graduate_all(scene)
    start = current_school_year_start()
    _run(scene)
    assert SchoolYear.objects.get(is_current=True).start_year == start + 1
    years = _years(scene)
    assert years["tunxi_primary"] == start + 1
    assert years["xuanwu_primary"] == start  # 江苏's school, not in 安徽's run: pinned to its year
    _run(scene)  # again: nothing moves
    assert _years(scene) == years


def test_promotion_restore_puts_the_province_back_and_the_run_can_run_again(scene, capsys):
    from django.core.management import CommandError, call_command

    from xueji.audit.models import AuditEvent
    from xueji.schools.models import SchoolYear

    _graduate_all(scene)
    start = current_school_year_start()
    before_classes = dict(SchoolClass.objects.values_list("pk", "is_active"))
    done = _run(scene)
    assert _years(scene)["tunxi_primary"] == start + 1
    call_command("promotion_restore", done.result["backup"])
    assert SchoolYear.objects.get(is_current=True).start_year == start
    assert set(_years(scene).values()) == {start}
    assert dict(SchoolClass.objects.values_list("pk", "is_active")) == before_classes
    assert AuditEvent.objects.filter(action="schoolyear.promotion_restore").count() == 1
    run = PromotionRun.objects.get()
    assert run.status == "open"
    _run(scene)  # the run runs anew: every school one year up again, once
    assert _years(scene)["tunxi_primary"] == start + 1 and _years(scene)["xuanwu_primary"] == start
    with pytest.raises(CommandError):
        call_command("promotion_restore", "/nonexistent/backup.json")
