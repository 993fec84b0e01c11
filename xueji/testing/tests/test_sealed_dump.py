"""SECURITY.md row 24 (T-CONF): a raw dump of the database holds no checksum-valid 18-digit ID number.

A small flow writes every table that holds a copy of an ID number through its real paths: the population register
loaded from a file and filled by the helper's bulk_create, a verification run and a file export (items through
insert_rows), a pre-school record, an admission-results import and a catchment run (bulk_create), a duplicate
scan filing a problem (insert_rows). Then the database is dumped as an operator would (PostgreSQL: `pg_dump` of
the test database, from outside the test's connection, so the test commits; SQLite: the connection's iterdump)
and the text is scanned.

SCANNED lists the tables sealed so far; the ones still holding plaintext copies are listed in README
("Encryption at rest"): the pupils' national numbers ("G" + the ID number: registry), the cross-province entries
(admissions_entry and its pupil JSON), the deleted records' snapshot and numbers (JSON), the pupil history and
the approval requests' payloads and subjects."""

import datetime as dt
import io
import re
import shutil
import subprocess  # pg_dump, a fixed argument list

import pytest
from django.core.management import call_command
from django.db import connection

from xueji.admissions import catchment, services
from xueji.admissions.tests.conftest import entry_scene, scene  # noqa: F401 - the admission tests' scenes
from xueji.admissions.tests.entry_helpers import UNKNOWN_ID, approve, file_entry
from xueji.admissions.tests.helpers import graduate, newcomer_id, office, plan, row, upload, year
from xueji.core import idnumbers
from xueji.hub.services import hub_run
from xueji.problems.models import Problem
from xueji.problems.scans import duplicate_scan
from xueji.registration.models import PreschoolRecord
from xueji.registry.models import Student, StudentHistory
from xueji.schools.models import SchoolClass
from xueji.verification.models import RegisterEntry, VerificationItem
from xueji.verification.register import register_load
from xueji.verification.services import verification_export_start, verification_start
from xueji.verification.tests.helpers import register_students, run
from xueji.workflow.models import Request

SCANNED = ("registration_registerentry", "registration_verificationitem", "registration_preschoolrecord",
           "admissions_admission", "registration_problem")  # and admissions_entry (its own test below)
CANDIDATE = re.compile(r"(?=(\d{17}[\dXx]))")


def valid_ids(text: str) -> set[str]:
    """Every checksum-valid (and date-valid) 18-character resident ID number in the text, overlapping too."""
    return {m.group(1).upper() for m in CANDIDATE.finditer(text) if idnumbers.is_valid(m.group(1))}


def dump(tables) -> str:
    if connection.vendor == "postgresql":
        tool = shutil.which("pg_dump")
        if tool is None:
            pytest.skip("pg_dump is not installed")
        params = connection.settings_dict
        env = {"PATH": "/usr/bin:/bin"}
        for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
            if params.get(key):
                env[name] = str(params[key])
        args = [tool, "--no-password", "--data-only", "--dbname", str(params["NAME"])]
        args += [f"--table={t}" for t in tables or ()]
        return subprocess.run(args, capture_output=True, text=True, check=True, env=env).stdout  # noqa: S603
    if tables is None:
        return "\n".join(line for line in connection.connection.iterdump() if line.startswith("INSERT INTO"))
    quoted = tuple(f'INSERT INTO "{t}"' for t in tables)
    return "\n".join(line for line in connection.connection.iterdump() if line.startswith(quoted))


def where(text: str, numbers) -> dict[str, list[str]]:
    """The tables (COPY blocks or INSERT lines) of a dump holding these numbers: for the failure message."""
    found: dict[str, list[str]] = {}
    table = "?"
    for line in text.splitlines():
        if line.startswith("COPY "):
            table = line.split()[1]
        elif line.startswith("INSERT INTO"):
            table = line.split()[2]
        for number in numbers:
            if number in line:
                found.setdefault(table, []).append(number)
    return found


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.django_db(transaction=True)
def test_a_raw_dump_holds_no_valid_id_number(scene, media, tmp_path):  # noqa: F811
    written: set[str] = set()
    # The population register: from a file (bulk upsert) and from the pupils (bulk_create); a verification run
    # (items through insert_rows) and a file export (insert_rows again).
    path = tmp_path / "register.csv"
    loaded = idnumbers.make("341002", dt.date(2015, 2, 3), 21)
    path.write_text(f"{loaded},张三,男,2015-02-03\n", encoding="utf-8")
    register_load(path=path)
    pupils = list(scene.students.values())
    register_students(pupils[1:])
    written |= {loaded} | {s.id_number for s in pupils if s.id_number}
    run(verification_start(actor=scene.user("tunxi", "registrar")))
    run(verification_export_start(actor=scene.user("huangshan", "registrar")))
    assert VerificationItem.objects.exists() and RegisterEntry.objects.count() >= 2
    # Admissions: an imported file (a graduate and a newcomer) and a catchment run over a pre-school record.
    plan(scene, "tunxi_senior", 10)
    pupil, (newcomer, _born) = graduate(scene, 1), newcomer_id(1)
    batch = upload(scene, row(pupil, "tunxi_senior"), row(newcomer_id(1), "tunxi_senior"))
    assert batch.admitted_rows == 2
    primary = scene.schools["tunxi_primary"]
    SchoolClass.objects.create(school=primary, stage="1", cohort_year=year(), number=5)
    services.plan_set(actor=office(scene), school=primary, stage="1", year=year(), quota=10)
    catchment.catchment_set(actor=office(scene), school=primary, stage="1", area="黄山市屯溪区")
    birth = dt.date(year() - 6, 3, 3)
    child = idnumbers.make("341002", birth, 11)
    PreschoolRecord.objects.create(province_code="340000", id_number=child, name="幼儿", sex="1", birth_date=birth,
                                   data={"address": "黄山市屯溪区滨江路2号"})
    assert catchment.catchment_run(actor=office(scene), stage="1", year=year())["admitted"] == 1
    written |= {pupil.id_number, newcomer, child}
    # A duplicate-ID problem found by the scan (its key and the shared number).
    first, other = scene.students["tunxi_primary"], scene.students["shexian_primary"]
    Student.objects.filter(pk=other.pk).update(id_number=first.id_number)
    found = duplicate_scan(province_code="340000", scope=scene.units["anhui"], actor=scene.user("anhui", "registrar"))
    assert found["duplicate_id"]["new"] == 1 and Problem.objects.get(kind="duplicate_id").id_number == first.id_number

    text = dump(None)
    for table in SCANNED:  # the dump holds the rows (the scan is not of an empty text)
        assert table in text
    assert where(text, valid_ids(text)) == {}
    assert where(text, [number for number in written if number in text]) == {}
    assert "$sm4$" in text  # sealed values, not missing ones


@pytest.mark.django_db(transaction=True)
def test_a_raw_dump_of_the_cross_province_entries_holds_no_valid_id_number(entry_scene):  # noqa: F811
    """A pupil the graduating province does not know by number, filed by identity (the full ID number)."""
    entry = file_entry(entry_scene, national_number="", name="新来", sex="1", birth_date=dt.date(2013, 5, 6),
                       id_number=UNKNOWN_ID)
    approve(entry_scene, entry.pk)
    hub_run()
    entry.refresh_from_db()
    assert entry.id_number == UNKNOWN_ID and entry.state == "no_record"
    text = dump(["admissions_entry"])
    assert "admissions_entry" in text
    assert valid_ids(text) == set() and UNKNOWN_ID not in text
    assert "$sm4$" in text


def test_the_scan_finds_a_number_where_there_is_one():
    number = idnumbers.make("341002", dt.date(2015, 2, 3), 21)
    assert valid_ids(f"1\t{number}\tx") == {number}
    assert valid_ids(f"G{number}") == {number}  # inside a longer value too
    assert valid_ids(number[:-1] + ("0" if number[-1] != "0" else "1")) == set()  # a wrong check digit


@pytest.mark.django_db(transaction=True)
def test_a_raw_dump_of_the_demo_holds_no_valid_id_number(media):
    """The demo (`manage.py demo_data`, small, with its second province and every domain's story: registrations,
    changes, transfers, admissions, problems, attendance...) then a dump of every table: no valid ID number."""
    out = io.StringIO()
    call_command("demo_data", counties=2, schools=6, pupils=300, seed=7, batch_size=120, stdout=out)
    assert Student.objects.filter(national_number__startswith="G").exists()
    assert StudentHistory.objects.exists() and Request.objects.exists()
    text = dump(None)
    assert "registry_student" in text and "$sm4$" in text
    assert where(text, valid_ids(text)) == {}
