"""The promotion killed half-way (kill -9 of a real process, PostgreSQL) and run again: every school promoted
exactly once, every pupil one grade up, graduates not promoted; the first run's committed chunks kept."""

import datetime as dt
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.jobs import services as job_services
from xueji.jobs.models import Job, JobStatus
from xueji.jobs.services import job_reap, job_rerun, job_run
from xueji.registry.models import Student
from xueji.schools.models import School, SchoolClass
from xueji.schools.selectors import current_school_year_start
from xueji.schoolyear import services
from xueji.schoolyear.choices import SchoolState
from xueji.schoolyear.models import PromotionSchool
from xueji.schoolyear.services import graduation_graduate

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="kills a real process on PostgreSQL")]

# The run in a process of its own: one school per chunk, and after the second chunk committed it says so and
# waits to be killed.
SCRIPT = """
import sys, time
import django
django.setup()
from xueji.schoolyear import services
services.CHUNK = 1
def pause(number):
    if number == 2:
        print("paused", flush=True)
        time.sleep(300)
services.after_chunk = pause
from xueji.jobs.services import job_run
job_run(int(sys.argv[1]))
"""


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _wait_for(process, word: str, seconds: float = 120) -> None:
    ready, _w, _x = select.select([process.stdout], [], [], seconds)
    assert ready, "the run did not reach its pause"
    line = process.stdout.readline()
    assert word in line, line


def test_a_run_killed_half_way_and_run_again_promotes_every_school_once(transactional_db, scene, settings,
                                                                       monkeypatch):
    graduation_graduate(actor=scene.user("tunxi_primary", "registrar"), school=scene.schools["tunxi_primary"],
                        student_ids=[s.pk for s in scene.graduating])
    start = current_school_year_start()
    province = scene.user("anhui", "registrar")
    monkeypatch.setattr(job_services, "_enqueue", lambda job_id: None)  # the job runs in the process below
    job = services.promotion_start(actor=province)

    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "XUEJI_VAR_DIR": str(settings.VAR_DIR), "XUEJI_MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    process = subprocess.Popen([sys.executable, "-c", SCRIPT, str(job.pk)], cwd=Path(django_settings.BASE_DIR),
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        _wait_for(process, "paused")
    finally:
        os.kill(process.pid, signal.SIGKILL)  # kill -9: no handler, no rollback of what committed
        process.wait(timeout=30)

    # Two chunks (one school each) committed; the rest untouched.
    assert PromotionSchool.objects.filter(state=SchoolState.PROMOTED).count() == 2
    assert PromotionSchool.objects.filter(state=SchoolState.PENDING).count() == 2
    current = current_school_year_start()
    years = sorted(School.objects.get(pk=s.pk).year_in_effect(current)
                   for n, s in scene.schools.items() if n != "xuanwu_primary")
    assert years == [start, start, start + 1, start + 1]
    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING  # its worker died

    # The reaper finds the dead run; its rerun continues with the schools left.
    assert job_reap(now=clock.now() + dt.timedelta(hours=1)) == [job.pk]
    rerun = job_run(job_rerun(actor=province, job=Job.objects.get(pk=job.pk)).pk)
    assert rerun.status == JobStatus.SUCCEEDED, rerun.error_detail
    assert rerun.result["promoted"] == 2
    assert PromotionSchool.objects.filter(state=SchoolState.PROMOTED).count() == 4
    years = {n: School.objects.get(pk=s.pk).year_in_effect(current) for n, s in scene.schools.items()}
    assert years == {**dict.fromkeys(("tunxi_primary", "tunxi_middle", "shexian_primary", "yaohai_primary"),
                                     start + 1), "xuanwu_primary": start}
    # Every pupil one grade up (the class's grade from the school's year), the graduates' class closed.
    klass = SchoolClass.objects.select_related("school").get(pk=scene.classes["tunxi_primary"].pk)
    assert klass.grade_code(current_school_year_start(klass.school)) == "13"
    assert not SchoolClass.objects.get(pk=scene.classes["grade6"].pk).is_active
    assert set(Student.objects.filter(pk__in=[s.pk for s in scene.graduating]).values_list("status", flat=True)) \
        == {"07"}
    assert AuditEvent.objects.filter(action="schoolyear.promote").count() == 3  # chunk 1, chunk 2, the rerun
