"""Walk every URL and API endpoint with users of each level and role, inside and outside their
jurisdiction. Fails for any endpoint the matrix does not cover, and for any case whose capability (written by
hand) is not what the view declares; who holds a capability comes from the tests' own table
(xueji/testing/capabilities.py), never from production's `has_cap`."""

import datetime as dt
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from xueji.accounts.tests import helpers as account_helpers
from xueji.admissions.tests import helpers as admission_helpers
from xueji.attendance.tests import helpers as attendance_helpers
from xueji.audit.models import AuditEvent
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.capabilities import METHODS, PUBLIC, declared_capability, declared_methods
from xueji.exchange.tests import helpers as exchange_helpers
from xueji.interface.tests import helpers as interface_helpers
from xueji.jobs.models import FileScope, Job
from xueji.jobs.services import JobContext
from xueji.policy.models import BusinessWindow
from xueji.problems.models import Problem
from xueji.regions.models import OrgKind
from xueji.registration.models import PreschoolRecord
from xueji.registration.services import registration_submit
from xueji.registration.tests.test_flow import pupil_row
from xueji.registry.models import RegStatus, Student
from xueji.registry.services import student_enter
from xueji.registry.validation import validate_row
from xueji.reports.tests import helpers as report_helpers
from xueji.schools.models import SchoolYear
from xueji.support.tests import helpers as support_helpers
from xueji.support.tests import platform_helpers
from xueji.testing import build_world
from xueji.testing.capabilities import MAY
from xueji.testing.fingerprint import fingerprint
from xueji.testing.shared import built_once
from xueji.training.tests import helpers as training_helpers
from xueji.transfers.tests import helpers as transfer_helpers
from xueji.ui.tests.matrix import API_CASES, Case
from xueji.verification.models import VerificationBatch
from xueji.verification.tests.helpers import matrix_scene
from xueji.workflow.models import Proof, Request
from xueji.workflow.services import proof_add

try:
    from xueji.ui.tests.matrix_web import WEB_CASES
except ImportError:  # pragma: no cover - the web matrix lives beside this file
    WEB_CASES = []

CASES: list[Case] = API_CASES + WEB_CASES
# Units whose users act in the matrix: one per level, plus a second school; objects come from everywhere.
ACTING_UNITS = ("ministry", "anhui", "huangshan", "tunxi", "tunxi_primary")
_seq = itertools.count(1)


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _walk(entry.url_patterns, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}", entry.callback


def _methods(callback) -> set[str]:
    """The methods a view answers: an API view's handlers, a page's declared methods (web_view names them)."""
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is None:
        methods = declared_methods(callback)
        return set(methods) if methods else {"any"}
    return {m for m in METHODS if hasattr(cls, m)}


def test_every_endpoint_is_in_the_matrix():
    covered: dict[str, set[str]] = {}
    for case in CASES:
        covered.setdefault(case.name, set()).add(case.method)
    missing = []
    for name, callback in _walk(get_resolver().url_patterns):
        if name in ("set_language",):
            continue  # Django's own language switch: tested in web tests
        methods = _methods(callback)
        if name not in covered:
            missing.append(f"{name} (no case)")
        elif "any" not in methods and not methods <= covered[name]:
            missing.append(f"{name} {sorted(methods - covered[name])}")
    assert not missing, "endpoints missing from the jurisdiction matrix: " + ", ".join(missing)


def test_each_case_names_what_the_view_declares():
    """Case.cap is written by hand; the view declares its own (xueji/core/capabilities.py): they may not drift."""
    views = dict(_walk(get_resolver().url_patterns))
    drift = []
    for case in CASES:
        declared = declared_capability(views[case.name], case.method)
        expected = PUBLIC if case.public else case.cap
        if declared is not expected:  # Cap members, None, PUBLIC: one object each
            drift.append(f"{case.key}: the case says {expected!r}, the view declares {declared!r}")
    assert not drift, "cases and declarations differ: " + "; ".join(drift)


def _may(user, role: str, case: Case) -> bool:
    """Whether the tests' own table lets this user in (MAY: who holds what, from the business rules)."""
    held = {cap for cap, holders in MAY.items() if (user.org_unit.kind, role) in holders}
    return "signed_in" in held and all(str(cap) in held for cap in (case.cap, case.object_cap) if cap is not None)


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, tmp_path_factory):
    """The matrix world, built once for all cases (xueji.testing.shared.built_once): each case's writes are
    rolled back to it, so every case starts from the same rows (issue 7, item 22)."""
    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("matrix_media"))), built_once(django_db_blocker):
        yield _build_scene()


def _build_scene():
    world = build_world()
    for school in ("tunxi_primary", "xuanwu_primary"):
        actor = world.user(school, "registrar")
        job = Job.objects.create(kind="registry.export_students", title="t", created_by=actor,
                                 org_unit=actor.org_unit, created_at=actor.date_joined, status="succeeded")
        JobContext(job).result_path("students.xlsx", scope=FileScope.JURISDICTION).write_bytes(b"PK")
        audit_record(actor=actor, action="matrix.test", obj=job)
    today = clock.today()
    for province in ("340000", "320000"):
        for kind in ("registration.enrolled", "registration.grade1", "registration.returning", "changes.record",
                     "changes.status"):
            BusinessWindow.objects.create(province_code=province, kind=kind, start_date=today - dt.timedelta(days=5),
                                          end_date=today + dt.timedelta(days=5))
        for year in range(2000, 2005):  # spare windows for the delete case
            BusinessWindow.objects.create(province_code=province, kind="registration.grade1",
                                          start_date=dt.date(year, 3, 1), end_date=dt.date(year, 3, 31))
        # Narrowings of a city and a county (inside the province's windows), for their own system administrators.
        BusinessWindow.objects.create(province_code=province, kind="changes.status", start_date=dt.date(2000, 3, 1),
                                      end_date=dt.date(2002, 3, 31))
    for unit in ("huangshan", "tunxi", "nanjing"):
        for year in range(2000, 2003):
            BusinessWindow.objects.create(province_code=world.units[unit].code[:2] + "0000",
                                          org_unit=world.units[unit], kind="changes.status",
                                          start_date=dt.date(year, 3, 2), end_date=dt.date(year, 3, 30))
    for school in ("tunxi_primary", "xuanwu_primary"):
        registrar = world.user(school, "registrar")
        drafts = []
        for n in range(3):
            clean, errors = validate_row(pupil_row(n + (0 if school == "tunxi_primary" else 50)), today=today,
                                         require_class=False)
            assert not errors, errors
            drafts.append(student_enter(actor=registrar, school=world.schools[school],
                                        school_class=world.classes[school], clean=clean))
        request = registration_submit(actor=registrar, kind="enrolled", student_ids=[drafts[0].pk])
        proof_add(actor=registrar, request=request,
                  upload=SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\nrest", content_type="image/png"))
    PreschoolRecord.objects.create(province_code="340000", id_number="341002201909010013", name="幼儿",
                                   sex="1", birth_date=dt.date(2019, 9, 1))
    matrix_scene(world)  # problem records, verification batches, national numbers
    exchange_helpers.matrix_imports(world)  # import batches with error reports
    transfer_helpers.matrix_transfers(world)  # two transfers, after every other request of the scene
    admission_helpers.matrix_admissions(world)  # plans, a plan change, an admission (after the transfers)
    support_helpers.matrix_support(world)  # tickets, attachments, announcements, conversations of each level
    training_helpers.matrix_training(world)  # courses of each acting authority, attempts, certificates
    platform_helpers.matrix_platform(world)  # reports of super administrators, bound by the level above
    support_helpers.matrix_support(world)  # tickets of each level, their attachments, announcements
    report_helpers.matrix_reports(world)  # statistics returns, funding rules and allocations
    account_helpers.matrix_security(world)  # password loans and intrusion alerts of two schools
    admission_helpers.matrix_entries(world)  # two entries after graduation, the last requests of the scene
    attendance_helpers.matrix_attendance(world)  # dropout cases, registers, monthly reports, misuse reports
    interface_helpers.matrix_clients(world)  # an API client of each province (the data interface)
    return world


def _objects(world, kind):
    """(owning org unit, object) pairs of one kind across the whole world."""
    if kind == "org":
        return [(u, u) for u in world.units.values()]
    if kind == "county":
        return [(u, u) for u in world.units.values() if u.kind == OrgKind.COUNTY]
    if kind == "school":
        return [(s.org_unit, s) for s in world.schools.values()]
    if kind == "class":
        return [(c.school.org_unit, c) for c in world.classes.values()]
    if kind == "student":
        return [(s.school.org_unit, s) for s in world.students.values()]
    if kind == "user":
        return [(u.org_unit, u) for u in world.users.values()]
    if kind == "school_leader":  # accounts of a level below every authority (a second factor's reset)
        return [(u.org_unit, u) for (_unit, role), u in world.users.items()
                if role == "leader" and u.org_unit.kind == OrgKind.SCHOOL]
    if kind == "auditor":  # auditor accounts, managed by the auditors of the levels above (三员分立)
        # Schools first: an acting auditor resets the password of one that does not act after it.
        return [(u.org_unit, u) for (_unit, role), u in reversed(world.users.items()) if role == "auditor"]
    if kind == "job":
        return [(j.org_unit, j) for j in Job.objects.select_related("org_unit")]
    if kind == "audit":
        return [(e.org_unit, e) for e in AuditEvent.objects.filter(action="matrix.test").select_related("org_unit")]
    if kind == "request":
        return [(r.filer_org, r) for r in Request.objects.select_related("filer_org").order_by("pk")]
    if kind == "proof":
        # In the order they were made (a transfer's proof, made last, is seen by the sending school too: not a
        # filer's-unit-only object for the picks below).
        return [(p.request.filer_org, p) for p in Proof.objects.select_related("request__filer_org").order_by("pk")]
    if kind == "draft":
        return [(s.school.org_unit, s) for s in Student.objects.filter(reg_status=RegStatus.DRAFT)
                .select_related("school__org_unit", "school_class").order_by("pk")]
    if kind == "window":  # a window belongs to the level that set it: the province's own, or a narrowing's unit
        provinces = {u.code: u for u in world.units.values() if u.kind == OrgKind.PROVINCE}
        owned = [(w.org_unit or provinces[w.province_code], w)
                 for w in BusinessWindow.objects.select_related("org_unit").order_by("pk")]
        return sorted(owned, key=lambda pair: len(pair[0].path))  # each acting level meets its own first
    if kind == "problem":
        return [(p.members.first().school_org, p) for p in Problem.objects.order_by("pk")]
    if kind == "verification_batch":
        return [(b.org_unit, b) for b in VerificationBatch.objects.select_related("org_unit").order_by("pk")]
    if kind == "import":
        return exchange_helpers.import_objects()
    if kind == "transfer":
        return transfer_helpers.matrix_objects(world)
    if kind in ("plan_change", "admission", "admission_batch", "catchment", "entry"):
        return admission_helpers.matrix_objects(kind)
    if kind in ("loan", "alert", "security_key", "ukey"):
        return account_helpers.matrix_objects(kind)
    if kind in ("ticket", "support_attachment", "announcement", "own_announcement", "conversation",
                "message_attachment"):
        return support_helpers.matrix_objects(kind)
    if kind in ("course", "session", "session_web", "exam", "exam_web", "own_course", "own_session", "own_question"):
        return training_helpers.matrix_objects(kind)
    if kind in ("account_report", "account_report_web"):
        return platform_helpers.matrix_objects(kind)
    if kind == "own_certificate":  # every acting user's own: any one for an anonymous visitor
        return [(None, training_helpers.matrix_own_certificate(None, inside=False))]
    if kind in ("dropout_case", "monthly_report", "misuse_report"):
        return attendance_helpers.matrix_objects(world, kind)
    if kind in ("statistics_return", "allocation"):
        return report_helpers.matrix_objects(kind)
    if kind == "api_client":
        return interface_helpers.matrix_objects()
    if kind == "year":
        return [(None, y) for y in SchoolYear.objects.all()]
    if kind == "family":
        from xueji.registry.models import FamilyMember

        return [(m.student.school.org_unit, m) for m in FamilyMember.objects.filter(
            student__in=[s.pk for s in world.students.values()]).select_related("student__school__org_unit")
                .order_by("pk")]
    raise AssertionError(kind)


def _pick(world, kind, user, inside: bool):
    if kind == "own_certificate":  # a certificate is its holder's only: their own inside, another's outside
        return training_helpers.matrix_own_certificate(user, inside)
    for unit, obj in _objects(world, kind):
        if obj == user:
            continue  # acting on oneself has its own rules
        contained = unit is None or unit.path.startswith(user.org_unit.path)
        if contained == inside:
            return obj
    return None


def _request(client, case: Case, obj, user):
    kwargs = {"pk": obj.pk} if (obj is not None and case.in_url) else {}
    url = reverse(case.name, kwargs=kwargs)
    seq = next(_seq)
    data = case.data(obj, user, seq) if case.data else None
    call = getattr(client, case.method)
    if case.method == "get":
        return call(url, case.query(obj, user, seq) if case.query else None)
    if case.json:
        return call(url, data=data or {}, content_type="application/json")
    return call(url, data=data or {})


_last: dict[str, object] = {}  # the fingerprint after the last refused write, while nothing else ran


def _check(client, case, user, obj, expected, label, *, refused: bool = False):
    """`refused`: the answer is a refusal (401/403/404, or the login redirect); for a write, nothing may change."""
    write = refused and case.method != "get"
    before = (_last.get("fingerprint") or fingerprint()) if write else None
    response = _request(client, case, obj, user)
    assert response.status_code in expected, (
        f"{case.key} as {label} -> {response.status_code}, expected {expected}: "
        f"{getattr(response, 'content', b'')[:300]!r}")
    if write:
        after = fingerprint()
        changed = sorted(table for table in after if after[table] != before.get(table))
        assert not changed, f"{case.key} as {label} was refused ({response.status_code}) but changed {changed}"
        _last["fingerprint"] = after
    else:
        _last.clear()  # an allowed request may have written anything


def _needs_obj_but_url_has_pk(case):
    return case.obj is not None and case.in_url


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.key)
def test_matrix(case: Case, scene, db, client):
    world = scene
    _last.clear()
    # Anonymous visitors.
    any_obj = _objects(world, case.obj)[0][1] if case.obj else None
    if any_obj is not None and case.obj == "user":
        any_obj = world.user("tunxi_primary", "leader")
    _check(client, case, None, any_obj, case.ok if case.public else case.anonymous, "anonymous",
           refused=not case.public)
    for (unit, role), user in world.users.items():
        if unit not in ACTING_UNITS:
            continue
        # Fresh from the database: an earlier actor of this case may have reset this account (new session hash).
        user = type(user).objects.get(pk=user.pk)
        client.force_login(user)
        label = f"{user.username}"
        allowed = _may(user, role, case)
        if not allowed:
            target = _pick(world, case.obj, user, inside=True) if case.obj else None
            if target is None and case.obj:
                target = any_obj
            _check(client, case, user, target, (403,), label, refused=True)
            continue
        if case.obj is None:
            _check(client, case, user, None, case.ok, label)
            continue
        inside = _pick(world, case.obj, user, inside=True)
        if inside is not None:
            _check(client, case, user, inside, case.ok, f"{label} on own {case.obj} {inside}")
        outside = _pick(world, case.obj, user, inside=False)
        if outside is not None:
            _check(client, case, user, outside, (404,), f"{label} on foreign {case.obj} {outside}", refused=True)
        client.logout()


class _Refused:
    status_code = 403
    content = b"refused"


class _WritingClient:
    """Answers every write with a refusal, after doing `write` behind it: a leak the matrix must catch."""

    def __init__(self, write):
        self.write = write

    def post(self, url, data=None, content_type=None):
        self.write()
        return _Refused()


def _rename_school(world):
    from xueji.schools.models import School

    School.objects.filter(pk=world.schools["tunxi_primary"].pk).update(name="改了")  # update(): no updated_at


def _deactivate_user(world):
    from xueji.accounts.models import User

    User.objects.filter(pk=world.user("tunxi_primary", "leader").pk).update(is_active=False)


def _add_year(world):
    SchoolYear.objects.create(start_year=2090, start_date=dt.date(2090, 9, 1), end_date=dt.date(2091, 8, 31))


@pytest.mark.parametrize("write, table", [(_rename_school, "schools_school"), (_deactivate_user, "accounts_user"),
                                          (_add_year, "schools_schoolyear")])
def test_a_refused_write_that_changes_anything_fails_the_matrix(scene, db, write, table):
    world = scene
    _last.clear()
    case = Case("api:school-list", "post")

    with pytest.raises(AssertionError, match=f"was refused \\(403\\) but changed \\['{table}'\\]"):
        _check(_WritingClient(lambda: write(world)), case, None, None, (403,), "anyone", refused=True)


def test_a_refused_write_may_leave_audit_rows_and_sessions(scene, db):
    _last.clear()

    def audit_only():
        audit_record(actor=None, username="system", action="access.denied")

    _check(_WritingClient(audit_only), Case("api:school-list", "post"), None, None, (403,), "anyone", refused=True)
