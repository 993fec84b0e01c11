"""The jurisdiction matrix: every URL and API endpoint, walked by users of each level and role,
inside and outside their jurisdiction (see test_matrix.py).

A `Case` says what an endpoint needs and how to address an object with it:
- `cap`: the capability required (None: any signed-in user), written here by hand: test_matrix.py checks that it
  is what the view declares for the method (xueji/core/capabilities.py) and expects 403 from every user whom the
  tests' own table (xueji/testing/capabilities.py) leaves out;
- `object_cap`: what the matrix's objects need besides (a job's file of full IDs: the file's own rule);
- `obj`: the kind of scoped object the endpoint addresses, either by `pk` in the URL (`in_url`) or
  inside the request body (`data`); with the capability, an object inside the user's jurisdiction
  gives `ok`, one outside gives 404 and changes nothing;
- `anonymous`: what a visitor who is not signed in gets.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xueji.accounts.permissions import Cap


@dataclass(frozen=True)
class Case:
    name: str  # URL name, "api:school-detail"
    method: str = "get"
    cap: Cap | None = None
    object_cap: Cap | None = None
    obj: str | None = None  # org | school | class | student | user | auditor | job | audit | year
    in_url: bool = True
    data: Callable[..., dict[str, Any]] | None = None  # fn(obj, user, seq) -> body
    ok: tuple[int, ...] = (200,)
    anonymous: tuple[int, ...] = (401, 403)
    public: bool = False  # declared PUBLIC: the anonymous answer is `ok` (login page, token endpoint)
    json: bool = True
    query: Callable[..., dict[str, Any]] | None = None  # GET parameters: fn(obj, user, seq)

    @property
    def key(self) -> str:
        return f"{self.name}:{self.method}"


def _certificate_code() -> str:
    from xueji.training.models import Certificate

    return Certificate.objects.filter(number__startswith="MX").order_by("pk").values_list("code", flat=True)[0]


def _class_payload(school, user, seq):
    return {"school": school.pk, "stage": school.stages[0], "cohort_year": 2000 + seq % 90, "number": 1 + seq % 98,
            "head_teacher": "李老师"}


def _school_payload(county, user, seq):
    # The world's schools are numbered 1001+; matrix schools take 9000-9999 so codes never collide.
    return {"code": f"{county.code}9{seq % 1000:03d}", "name": f"矩阵学校{seq}", "county": county.pk,
            "running_type": "211"}


def _user_payload(unit, user, seq):
    return {"username": f"matrix_{seq}", "full_name": "矩阵用户", "org_unit": unit.pk, "roles": [],
            "password": "Kq7#Lx2!mZw9"}


def _auditor_payload(auditor, user, seq):
    # An auditor account beside an existing one (`auditor`, of a level below the acting auditor's).
    return {"username": f"matrix_auditor_{seq}", "full_name": "矩阵审计员", "org_unit": auditor.org_unit_id,
            "password": "Kq7#Lx2!mZw9"}


def pupil_form(school_class, user, seq):
    """A valid national-form payload for the API (unique ID per call)."""
    import datetime as dt

    from xueji.core import idnumbers

    birth = dt.date(2016, 1 + seq % 12, 1 + seq % 28)
    return {"school_class": school_class.pk, "name": "矩阵生", "sex": "1", "birth_date": birth.isoformat(),
            "birthplace": "341002", "native_place": "341002", "ethnic": "01", "nationality": "CHN", "id_type": "1",
            "id_number": idnumbers.make("341002", birth, (2 * seq + 1) % 1000), "gatqw": "00", "health": "10",
            "hukou_location": "341002", "hukou_nature": "1", "entry_date": "202209", "admission_mode": "11",
            "study_mode": "1", "address": "黄山路1号", "mailing_address": "黄山路1号", "family_address": "黄山路1号",
            "phone": "13800001111", "postcode": "245000", "is_only_child": "1", "had_preschool": "1",
            "guardians": [{"name": "矩阵父", "relation": "51", "phone": "13900001111"}]}


def _proof_file(obj, user, seq):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("proof.pdf", b"%PDF-1.4 matrix", content_type="application/pdf")}


ACTED = (200, 403, 409)  # visible, but the step or state may not be the user's to act on
# A problem's actions are filed by the record's school (201); an authority registrar names no record of its own
# (400) or is not the school (403); a second action while the first is pending answers 409.
SCHOOL_FILES = (201, 400, 403, 409)


def _number_of(student) -> str:
    from xueji.registry.models import Student

    return Student.objects.get(pk=student.pk).national_number


def _csv_file(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("matrix.csv", text.encode(), content_type="text/csv")


def _import_upload(obj, user, seq):
    from xueji.exchange.tests.helpers import matrix_upload

    return matrix_upload(obj, user, seq)


def _today() -> str:
    from xueji.core import clock

    return clock.today().isoformat()


def _unit_pk(code_name: str) -> int:
    from xueji.regions.models import OrgUnit

    return OrgUnit.objects.get(code={"tunxi_primary": "3410021001"}[code_name]).pk


def _window_today(obj, user, seq):
    """A window of today: inside the province's open registration windows, so a city or county may narrow."""
    from xueji.core import clock

    today = clock.today().isoformat()
    return {"kind": "registration.grade1", "start_date": today, "end_date": today}


def _controlled_items(obj, user, seq):
    """Items no level above controls yet: each acting level adds one of its own."""
    level = getattr(getattr(user, "org_unit", None), "kind", "province")
    return {"items": [{"city": "phone", "county": "postcode"}.get(level, "email")]}


def _id_of_shexian() -> str:
    from xueji.registry.models import Student

    return Student.objects.filter(school__code="3410211001").order_by("pk").values_list("id_number", flat=True)[0]


def _transfer_filing(obj, user, seq):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from xueji.transfers.tests.helpers import matrix_token

    return {"token": matrix_token(user),
            "proof_certificate": SimpleUploadedFile("c.pdf", b"%PDF-1.4 matrix", content_type="application/pdf")}


def _admission_year() -> int:
    from xueji.schools.selectors import current_school_year_start

    return current_school_year_start()


def _admission_file(obj, user, seq):
    """An admission-results file of one pupil without a record, into the matrix's senior school of 屯溪区."""
    from xueji.admissions.tests.helpers import csv_file, newcomer_id, row

    return {"file": csv_file(row(newcomer_id(seq), "tunxi_senior")), "year": _admission_year()}


def _plan_payload(school, user, seq):
    return {"school": school.pk, "stage": school.stages[0], "year": _admission_year(), "quota": 5 + seq % 50}


def _entry_filing(obj, user, seq):
    from xueji.admissions.tests.helpers import matrix_entry_filing

    return matrix_entry_filing(user, seq)


def _plan_change_payload(obj, user, seq):
    return {"stage": "1", "year": _admission_year(), "quota": 7 + seq % 50, "reason": "矩阵"}


def _child_unit(user) -> int:
    from xueji.support.tests.helpers import child_unit

    return child_unit(user)


def _peer(user) -> int:
    from xueji.support.tests.helpers import peer

    return peer(user)


API_CASES: list[Case] = [
    Case("api:token", "post", data=lambda o, u, s: {"username": f"nobody{s}", "password": "Wrong@123456"},
         ok=(401,), public=True, anonymous=(401,)),
    Case("api:password-change", "post", data=lambda o, u, s: {"old_password": "x", "new_password": "y"},
         ok=(400,)),
    Case("api:me"),
    Case("api:user-list", cap=Cap.USER_MANAGE),
    Case("api:user-list", "post", cap=Cap.USER_MANAGE, obj="org", in_url=False, data=_user_payload, ok=(201,)),
    Case("api:user-detail", cap=Cap.USER_MANAGE, obj="user"),
    Case("api:user-detail", "patch", cap=Cap.USER_MANAGE, obj="user",
         data=lambda o, u, s: {"full_name": f"改名{s}"}),
    Case("api:user-reset-password", "post", cap=Cap.USER_MANAGE, obj="user",
         data=lambda o, u, s: {"new_password": "Reset@2026xy"}),
    Case("api:user-set-active", "post", cap=Cap.USER_MANAGE, obj="user", data=lambda o, u, s: {"is_active": True}),
    Case("api:user-unlock", "post", cap=Cap.SECURITY_MANAGE, obj="user", data=lambda o, u, s: {}),
    Case("api:security-user-list", cap=Cap.SECURITY_MANAGE),
    # 三员分立 (issue 11 item 4): the security administrator grants business roles; password loans; alerts.
    Case("api:security-user-roles", "post", cap=Cap.SECURITY_MANAGE, obj="user",
         data=lambda o, u, s: {"roles": sorted(o.role_set)}, ok=(200, 403)),
    Case("api:loan-list"),
    Case("api:loan-list", "post", data=lambda o, u, s: {}, ok=(400,)),
    Case("api:security-loan-list", cap=Cap.SECURITY_MANAGE),
    Case("api:loan-decide", "post", cap=Cap.SECURITY_MANAGE, obj="loan", data=lambda o, u, s: {"approve": False},
         ok=(200, 400)),
    Case("api:alert-list", cap=Cap.SECURITY_MANAGE),
    Case("api:alert-detail", cap=Cap.SECURITY_MANAGE, obj="alert"),
    Case("api:user-reset-second-factor", "post", cap=Cap.SECOND_FACTOR_RESET, obj="school_leader",
         data=lambda o, u, s: {}),
    Case("api:auditor-list", cap=Cap.AUDITOR_MANAGE),
    Case("api:auditor-list", "post", cap=Cap.AUDITOR_MANAGE, obj="auditor", in_url=False, data=_auditor_payload,
         ok=(201,)),
    Case("api:auditor-reset-password", "post", cap=Cap.AUDITOR_MANAGE, obj="auditor",
         data=lambda o, u, s: {"new_password": "Reset@2026xy"}),
    Case("api:auditor-set-active", "post", cap=Cap.AUDITOR_MANAGE, obj="auditor",
         data=lambda o, u, s: {"is_active": True}),
    Case("api:region-list"),
    Case("api:region-children", query=lambda o, u, s: {"parent": ("", "340000", "341000")[s % 3]}),
    Case("api:org-unit-list", cap=Cap.ORG_VIEW),
    Case("api:org-unit-detail", cap=Cap.ORG_VIEW, obj="org"),
    Case("api:school-list", cap=Cap.ORG_VIEW),
    Case("api:school-list", "post", cap=Cap.SCHOOL_MANAGE, obj="county", in_url=False, data=_school_payload,
         ok=(201,)),
    Case("api:school-detail", cap=Cap.ORG_VIEW, obj="school"),
    # A searchable select's options: the jurisdiction's schools and classes matching ?q= (at most 20).
    Case("api:school-choices", cap=Cap.ORG_VIEW, query=lambda o, u, s: {"q": ("", "tunxi", "341")[s % 3]}),
    Case("api:class-choices", cap=Cap.ORG_VIEW, query=lambda o, u, s: {"q": ("", "1", "tunxi")[s % 3]}),
    Case("api:school-detail", "patch", cap=Cap.SCHOOL_MANAGE, obj="school",
         data=lambda o, u, s: {"phone": f"0559-{s:07d}"}),
    Case("api:class-list", cap=Cap.ORG_VIEW),
    Case("api:class-list", "post", cap=Cap.CLASS_MANAGE, obj="school", in_url=False, data=_class_payload,
         ok=(201,)),
    Case("api:class-detail", cap=Cap.ORG_VIEW, obj="class"),
    Case("api:class-detail", "patch", cap=Cap.CLASS_MANAGE, obj="class",
         data=lambda o, u, s: {"head_teacher": f"赵老师{s}"}),
    Case("api:school-year-list"),
    Case("api:school-year-list", "post", cap=Cap.SCHOOL_YEAR_MANAGE,
         data=lambda o, u, s: {"start_year": 2030 + s % 60}, ok=(201,)),
    Case("api:school-year-set-current", "post", cap=Cap.SCHOOL_YEAR_MANAGE, obj="year", data=lambda o, u, s: {}),
    Case("api:student-list", cap=Cap.STUDENT_VIEW),
    Case("api:student-detail", cap=Cap.STUDENT_VIEW, obj="student"),
    Case("api:student-timeline", cap=Cap.STUDENT_VIEW, obj="student"),
    Case("api:student-unmask", "post", cap=Cap.STUDENT_VIEW_ID, obj="student",
         data=lambda o, u, s: {"reason": "核对转学材料"}),
    Case("api:student-as-of", cap=Cap.STUDENT_VIEW, obj="student", query=lambda o, u, s: {"date": "2025-09-01"}),
    Case("api:student-search", "post", cap=Cap.STUDENT_VIEW, data=lambda o, u, s: {"q": "学生"}),
    Case("api:student-export", "post", cap=Cap.STUDENT_VIEW, obj="school", in_url=False,
         data=lambda o, u, s: {"school": o.pk}, ok=(202,)),
    Case("api:audit-event-list", cap=Cap.AUDIT_VIEW),
    Case("api:audit-event-detail", cap=Cap.AUDIT_VIEW, obj="audit"),
    Case("api:job-list", cap=Cap.JOB_VIEW),
    Case("api:job-detail", cap=Cap.JOB_VIEW, obj="job"),
    # A job's file needs what the job recorded: the matrix jobs hold full IDs (student.view_id); the unit rule is
    # tested in xueji/jobs/tests/test_files.py.
    Case("api:job-download", cap=Cap.JOB_VIEW, object_cap=Cap.STUDENT_VIEW_ID, obj="job"),
    Case("api:job-rerun", method="post", cap=Cap.JOB_VIEW, obj="job", ok=(409,)),  # finished jobs: nothing to rerun
    Case("api:student-enter", "post", cap=Cap.STUDENT_EDIT, obj="class", in_url=False, data=pupil_form,
         ok=(201, 400)),
    Case("api:student-correct", "put", cap=Cap.STUDENT_EDIT, obj="draft",
         data=lambda o, u, s: pupil_form(o.school_class, u, s), ok=(200, 400)),
    Case("api:student-correct", "delete", cap=Cap.STUDENT_EDIT, obj="draft", ok=(204, 400)),
    Case("api:request-list", cap=Cap.REQUEST_VIEW),
    Case("api:request-detail", cap=Cap.REQUEST_VIEW, obj="request"),
    Case("api:request-decide", "post", cap=Cap.REQUEST_VIEW, obj="request",
         data=lambda o, u, s: {"approve": True}, ok=ACTED),
    Case("api:request-withdraw", "post", cap=Cap.REQUEST_VIEW, obj="request", data=lambda o, u, s: {}, ok=ACTED),
    Case("api:request-resubmit", "post", cap=Cap.REQUEST_VIEW, obj="request", data=lambda o, u, s: {}, ok=ACTED),
    Case("api:request-reject", "post", cap=Cap.REQUEST_VIEW, obj="request",
         data=lambda o, u, s: {"comment": "矩阵"}, ok=ACTED),
    Case("api:request-cancel", "post", cap=Cap.REQUEST_VIEW, obj="request",
         data=lambda o, u, s: {"comment": "矩阵"}, ok=ACTED),
    Case("api:request-complete", "post", cap=Cap.REQUEST_VIEW, obj="request", data=lambda o, u, s: {}, ok=ACTED),
    Case("api:request-proof-upload", "post", cap=Cap.REQUEST_VIEW, obj="request", data=_proof_file, json=False,
         ok=(201, 403, 409)),
    Case("api:request-bulk-decide", "post", cap=Cap.REQUEST_VIEW,
         data=lambda o, u, s: {"requests": [1, 2, 3], "approve": True}),
    Case("api:proof-download", cap=Cap.REQUEST_VIEW, obj="proof"),
    Case("api:inbox"),
    Case("api:window-list"),
    Case("api:window-list", "post", cap=Cap.POLICY_MANAGE, ok=(201,), data=_window_today),
    Case("api:window-detail", "patch", cap=Cap.POLICY_MANAGE, obj="window", data=lambda o, u, s: {"note": f"矩阵{s}"}),
    Case("api:window-detail", "delete", cap=Cap.POLICY_MANAGE, obj="window", ok=(204,)),
    Case("api:route-list", cap=Cap.POLICY_VIEW),
    Case("api:route-list", "put", cap=Cap.POLICY_PROVINCE, data=lambda o, u, s: {
        "request_type": "registration.enrolled", "steps": [{"resolver": "filing_school", "role": "leader"},
                                                           {"resolver": "filing_county", "role": "registrar"},
                                                           {"resolver": "filing_city", "role": "registrar"}]}),
    Case("api:setting-list", cap=Cap.POLICY_VIEW),
    Case("api:setting-list", "put", cap=Cap.POLICY_PROVINCE,
         data=lambda o, u, s: {"key": "proof.max_bytes", "value": 3 * 1024 * 1024}),
    Case("api:switch-list", cap=Cap.POLICY_VIEW),
    Case("api:switch-list", "put", cap=Cap.POLICY_PROVINCE,
         data=lambda o, u, s: {"stage": "2", "key": "registration.open", "value": s % 2 == 0}),
    Case("api:controlled-item-list", cap=Cap.POLICY_VIEW),
    Case("api:controlled-item-list", "put", cap=Cap.POLICY_MANAGE, data=_controlled_items),
    Case("api:class-cap-list", cap=Cap.POLICY_VIEW),
    Case("api:class-cap-list", "put", cap=Cap.POLICY_MANAGE,
         data=lambda o, u, s: {"stage": "3", "cap": 40, "locked": False}),
    Case("api:class-cap-detail", cap=Cap.POLICY_VIEW, obj="class"),
    Case("api:registration-submit", "post", cap=Cap.REQUEST_FILE, obj="draft", in_url=False,
         data=lambda o, u, s: {"kind": "enrolled", "student_ids": [o.pk]}, ok=(201, 400)),
    Case("api:returning-search", "post", cap=Cap.REQUEST_FILE,
         data=lambda o, u, s: {"id_number": "341002201601010011"}),
    Case("api:returning-takeover", "post", cap=Cap.REQUEST_FILE, obj="class", in_url=False, ok=(201, 400, 409),
         data=lambda o, u, s: {"student": o.students.first().pk if o.students.exists() else 0,
                               "school_class": o.pk,
                               "id_number": getattr(o.students.first(), "id_number", "")}),
    Case("api:preschool-lookup", "post", cap=Cap.STUDENT_EDIT, ok=(200, 400),
         data=lambda o, u, s: {"id_number": "341002201909010013"}),
    # Identity verification (xueji/verification/api/), problem records and national numbers (xueji/problems/api/).
    Case("api:verification-run", "post", cap=Cap.VERIFY_RUN, obj="org", in_url=False,
         data=lambda o, u, s: {"org_unit": o.pk}, ok=(202,)),
    Case("api:verification-export", "post", cap=Cap.VERIFY_RUN, obj="org", in_url=False,
         data=lambda o, u, s: {"org_unit": o.pk}, ok=(202,)),
    Case("api:verification-batch-list", cap=Cap.VERIFY_RUN),
    Case("api:verification-batch-detail", cap=Cap.VERIFY_RUN, obj="verification_batch"),
    Case("api:verification-batch-file", cap=Cap.VERIFY_RUN, obj="verification_batch"),
    Case("api:verification-answers", "post", cap=Cap.VERIFY_RUN, obj="verification_batch", json=False,
         data=lambda o, u, s: {"file": _csv_file(f"{o.pk}-1,341002201501010011,1\n")}, ok=(202,)),
    Case("api:register-load", "post", cap=Cap.REGISTER_LOAD, json=False, ok=(202,),
         data=lambda o, u, s: {"file": _csv_file("341002201501010011,张三\n")}),
    Case("api:problem-list", cap=Cap.PROBLEM_VIEW),
    Case("api:problem-summary", cap=Cap.PROBLEM_VIEW),
    Case("api:problem-detail", cap=Cap.PROBLEM_VIEW, obj="problem"),
    Case("api:problem-correct", "post", cap=Cap.REQUEST_FILE, obj="problem", ok=SCHOOL_FILES,
         data=lambda o, u, s: {"name": f"更正{s}", "reason": "矩阵"}),
    Case("api:problem-delete", "post", cap=Cap.REQUEST_FILE, obj="problem", ok=SCHOOL_FILES,
         data=lambda o, u, s: {"reason": "矩阵"}),
    Case("api:problem-confirm", "post", cap=Cap.REQUEST_FILE, obj="problem", ok=SCHOOL_FILES, json=False,
         data=_proof_file),
    Case("api:problem-arbitrate", "post", cap=Cap.REQUEST_VIEW, obj="problem", ok=(409,),
         data=lambda o, u, s: {"keep_member": o.members.first().pk}),
    Case("api:problem-scan", "post", cap=Cap.PROBLEM_SCAN, obj="org", in_url=False, ok=(202,),
         data=lambda o, u, s: {"kind": "duplicates" if s % 2 else "errors", "org_unit": o.pk}),
    Case("api:number-lookup", "post", cap=Cap.STUDENT_VIEW, obj="student", in_url=False,
         data=lambda o, u, s: {"number": _number_of(o)}),
    # Bulk import (xueji/exchange/api/): into one's own school only; reports need ID numbers.
    Case("api:import-list", cap=Cap.STUDENT_VIEW),
    Case("api:import-list", "post", cap=Cap.STUDENT_IMPORT, json=False, ok=(202,), data=_import_upload),
    Case("api:import-detail", cap=Cap.STUDENT_VIEW, obj="import"),
    Case("api:import-errors", cap=Cap.STUDENT_VIEW_ID, obj="import"),
    Case("api:import-template", cap=Cap.STUDENT_IMPORT, query=lambda o, u, s: {"format": ("xlsx", "csv")[s % 2]}),
    # Record maintenance, family members and status changes (xueji/changes/api/): the pupil's own school edits and
    # files (an authority's registrar is refused, 403); the authorities read.
    Case("api:student-record", "patch", cap=Cap.STUDENT_EDIT, obj="student", ok=(200, 403),
         data=lambda o, u, s: {"phone": f"1390000{s % 10000:04d}"}),
    Case("api:family-list", cap=Cap.STUDENT_VIEW, obj="student"),
    Case("api:family-list", "post", cap=Cap.STUDENT_EDIT, obj="student", ok=(201, 403),
         data=lambda o, u, s: {"name": f"矩阵亲属{s}", "relation": "51", "phone": "13600000000"}),
    Case("api:family-member", "patch", cap=Cap.STUDENT_EDIT, obj="family", ok=(200, 403),
         data=lambda o, u, s: {"phone": f"1370000{s % 10000:04d}"}),
    Case("api:family-member", "delete", cap=Cap.STUDENT_EDIT, obj="family", ok=(204, 403)),
    # (400: the business window of status changes, narrowed by some counties and cities of the matrix, is closed)
    Case("api:status-change-file", "post", cap=Cap.REQUEST_FILE, obj="student", ok=(201, 400, 403),
         data=lambda o, u, s: {"kind": "dropout", "reason": "27"}),
    Case("api:status-change-options", cap=Cap.REQUEST_FILE, obj="student"),
    Case("api:change-request-list", cap=Cap.REQUEST_VIEW),
    Case("api:status-change-list", cap=Cap.STUDENT_VIEW),
    Case("api:dropout-list", cap=Cap.DROPOUT_VIEW),
    # The messages between provinces (xueji/hub/api/): a province's system administrator reads its side's boxes.
    Case("api:hub-outbox-list", cap=Cap.HUB_VIEW),
    Case("api:hub-inbox-list", cap=Cap.HUB_VIEW),
    # The data interface (xueji/interface/api/): read with a registered client's credentials only, so every user (a
    # session or a token) is refused; the clients' own answers are xueji/interface/tests.
    Case("api:interface-pupil-list", cap=Cap.INTERFACE_READ),
    Case("api:interface-pupil-detail", cap=Cap.INTERFACE_READ, obj="student"),
    Case("api:interface-changes", cap=Cap.INTERFACE_READ),
    # Transfers (xueji/transfers/api/): a school's registrar finds a pupil of another school and files; both schools
    # and the authorities above them read.
    Case("api:transfer-find", "post", cap=Cap.TRANSFER_FILE, data=lambda o, u, s: {"id_number": _id_of_shexian()}),
    Case("api:transfer-file", "post", cap=Cap.TRANSFER_FILE, json=False, ok=(201,), data=_transfer_filing),
    Case("api:transfer-list", cap=Cap.REQUEST_VIEW),
    Case("api:transfer-inbox", cap=Cap.REQUEST_VIEW),
    Case("api:transfer-detail", cap=Cap.REQUEST_VIEW, obj="transfer"),
    # 调档 and 跨省转学撤销: the receiving school of a cross-province transfer (the matrix's transfer is within a
    # province: refused with receiving_school_only / not_cancellable, or 403 for a user of no school)
    Case("api:transfer-retrieve", "post", cap=Cap.TRANSFER_FILE, obj="transfer", ok=(400, 403, 409),
         data=lambda o, u, s: {}),
    Case("api:transfer-cancel", "post", cap=Cap.TRANSFER_FILE, obj="transfer", ok=(400, 403, 409),
         data=lambda o, u, s: {}),
    # The school year's turn (xueji/schoolyear/api/): a school graduates its own final grade (the matrix's world has
    # no graduation window open: 400 outside_business_window; its pupils are graduated by none: 409 not_graduated);
    # the authorities check and prepare the promotion,
    # the province runs it (403 promotion_province_only for a city or county; 409 once it runs).
    Case("api:graduation", cap=Cap.GRADUATION_MANAGE),
    Case("api:graduation", "post", cap=Cap.GRADUATION_MANAGE, obj="student", in_url=False, ok=(400,),
         data=lambda o, u, s: {"students": [o.pk]}),
    Case("api:senior-graduation", "post", cap=Cap.GRADUATION_MANAGE, obj="student", in_url=False, ok=(400,),
         data=lambda o, u, s: {"students": [o.pk]}),
    # 统一毕业 by an authority of a school in its area (no window in the matrix's world: 400)
    Case("api:graduation-close", "post", cap=Cap.PROMOTION_MANAGE, obj="school", in_url=False, ok=(400,),
         data=lambda o, u, s: {"schools": [o.pk]}),
    Case("api:exam-results", "post", cap=Cap.PROMOTION_MANAGE, ok=(400,),
         data=lambda o, u, s: {"rows": [{"number": "X", "subject": "chinese", "result": "合格"}]}),
    Case("api:graduate-list", cap=Cap.GRADUATION_VIEW),
    Case("api:student-graduation", cap=Cap.GRADUATION_VIEW, obj="student", ok=(409,)),
    Case("api:student-graduation", "patch", cap=Cap.GRADUATION_MANAGE, obj="student", ok=(409,),
         data=lambda o, u, s: {"destination": "10"}),
    Case("api:graduation-revert", "post", cap=Cap.GRADUATION_MANAGE, obj="student", ok=(409,),
         data=lambda o, u, s: {}),
    Case("api:promotion", cap=Cap.PROMOTION_MANAGE),
    Case("api:promotion-check", cap=Cap.PROMOTION_MANAGE),
    Case("api:promotion-dry-run", cap=Cap.PROMOTION_MANAGE),
    Case("api:promotion-start", "post", cap=Cap.PROMOTION_MANAGE, ok=(202, 403, 409), data=lambda o, u, s: {}),
    Case("api:promotion-schedule", "post", cap=Cap.PROMOTION_MANAGE, ok=(200, 403, 409), data=lambda o, u, s: {}),
    Case("api:promotion-exclude", "post", cap=Cap.PROMOTION_MANAGE, obj="school", ok=(200, 409),
         data=lambda o, u, s: {"reason": "矩阵"}),
    Case("api:promotion-include", "post", cap=Cap.PROMOTION_MANAGE, obj="school", ok=(200, 409),
         data=lambda o, u, s: {}),
    Case("api:promotion-school", "post", cap=Cap.PROMOTION_MANAGE, obj="school", ok=(409,),
         data=lambda o, u, s: {}),
    # Admission (xueji/admissions/api/): schools and authorities read plans and admissions; the admissions office of
    # a province, city or county sets plans, imports results, resolves duplicates and runs the admission; a school's
    # registrar files a plan change (an authority's registrar: 400, filed by a school only). The matrix's admission
    # is not held (keep: 409) and is withdrawn by the first office that acts (then 409).
    Case("api:admission-plan-list", cap=Cap.ADMISSION_VIEW),
    Case("api:admission-plan-list", "put", cap=Cap.ADMISSION_MANAGE, obj="school", in_url=False,
         data=_plan_payload),
    Case("api:admission-plan-change-list", cap=Cap.ADMISSION_VIEW),
    Case("api:admission-plan-change-list", "post", cap=Cap.REQUEST_FILE, data=_plan_change_payload,
         ok=(201, 400)),
    Case("api:admission-plan-change-decide", "post", cap=Cap.ADMISSION_MANAGE, obj="plan_change",
         data=lambda o, u, s: {"approve": True}, ok=(200, 403)),
    Case("api:admission-batch-list", cap=Cap.ADMISSION_MANAGE),
    Case("api:admission-batch-list", "post", cap=Cap.ADMISSION_MANAGE, json=False, data=_admission_file,
         ok=(201,)),
    Case("api:admission-batch-detail", cap=Cap.ADMISSION_MANAGE, obj="admission_batch"),
    Case("api:admission-template", cap=Cap.ADMISSION_MANAGE, query=lambda o, u, s: {"format": ("xlsx", "csv")[s % 2]}),
    Case("api:admission-list", cap=Cap.ADMISSION_VIEW),
    Case("api:admission-keep", "post", cap=Cap.ADMISSION_MANAGE, obj="admission", data=lambda o, u, s: {},
         ok=(409,)),
    Case("api:admission-withdraw", "post", cap=Cap.ADMISSION_MANAGE, obj="admission", data=lambda o, u, s: {},
         ok=(200, 409)),
    Case("api:admission-apply", "post", cap=Cap.ADMISSION_MANAGE, data=lambda o, u, s: {"year": _admission_year()}),
    # Catchments (划片) and the unified run: the matrix's area holds no primary graduate (the run: 409, nobody).
    # 毕业后跨省就学 (xueji/admissions/entry.py): the receiving school's registrar files (by identity: a new ID each
    # time) and retrieves (the matrix's entries wait for their county: 409 not_approved); schools and authorities
    # above them read.
    Case("api:admission-entry-list", cap=Cap.REQUEST_VIEW),
    Case("api:admission-entry-list", "post", cap=Cap.TRANSFER_FILE, ok=(201,), data=_entry_filing),
    Case("api:admission-entry-detail", cap=Cap.REQUEST_VIEW, obj="entry"),
    Case("api:admission-entry-retrieve", "post", cap=Cap.TRANSFER_FILE, obj="entry", ok=(409,),
         data=lambda o, u, s: {}),
    Case("api:admission-catchment-list", cap=Cap.ADMISSION_MANAGE),
    Case("api:admission-catchment-list", "post", cap=Cap.ADMISSION_MANAGE, obj="school", in_url=False, ok=(201,),
         data=lambda o, u, s: {"school": o.pk, "stage": o.stages[0], "area": f"矩阵区{s}"}),
    Case("api:admission-catchment-detail", "delete", cap=Cap.ADMISSION_MANAGE, obj="catchment", ok=(204,)),
    Case("api:admission-catchment-run", cap=Cap.ADMISSION_MANAGE,
         query=lambda o, u, s: {"stage": "2", "year": _admission_year()}),
    Case("api:admission-catchment-run", "post", cap=Cap.ADMISSION_MANAGE, ok=(409,),
         data=lambda o, u, s: {"stage": "2", "year": _admission_year()}),
    # 服务支持 (xueji/support/api/): a ticket is seen by its asker's unit and the support staff of the level it sits
    # at; acting on one that is not one's own to act on answers 403, on a closed or taken one 409. An announcement to
    # the whole tree is seen by everyone; who has not read one is its publishing unit's.
    Case("api:support-ticket-list", cap=Cap.SUPPORT_ASK),
    Case("api:support-ticket-list", "post", cap=Cap.SUPPORT_ASK, ok=(201,),
         data=lambda o, u, s: {"title": f"矩阵{s}", "description": "矩阵", "category": "other"}),
    Case("api:support-ticket-detail", cap=Cap.SUPPORT_ASK, obj="ticket"),
    Case("api:support-ticket-answer", "post", cap=Cap.SUPPORT_ASK, obj="ticket", ok=ACTED,
         data=lambda o, u, s: {"text": f"矩阵{s}"}),
    Case("api:support-ticket-take", "post", cap=Cap.SUPPORT_ANSWER, obj="ticket", ok=ACTED, data=lambda o, u, s: {}),
    Case("api:support-ticket-escalate", "post", cap=Cap.SUPPORT_ANSWER, obj="ticket", ok=ACTED,
         data=lambda o, u, s: {"reason": "矩阵"}),
    Case("api:support-ticket-rate", "post", cap=Cap.SUPPORT_ASK, obj="ticket", ok=ACTED,
         data=lambda o, u, s: {"rating": 5}),
    # 即时通讯: a conversation is seen by its participants only (anyone else: 404, and learns nothing of it).
    Case("api:support-conversation-list", cap=Cap.MESSAGE, query=lambda o, u, s: {"unread": ("", "1")[s % 2]}),
    Case("api:support-conversation-list", "post", cap=Cap.MESSAGE, ok=(201,),
         data=lambda o, u, s: {"participants": [_peer(u)], "title": f"矩阵{s}", "body": "矩阵"}),
    Case("api:support-conversation-detail", cap=Cap.MESSAGE, obj="conversation"),
    Case("api:support-conversation-messages", cap=Cap.MESSAGE, obj="conversation",
         query=lambda o, u, s: {"after": 0}),
    Case("api:support-conversation-messages", "post", cap=Cap.MESSAGE, obj="conversation", ok=(201,),
         data=lambda o, u, s: {"body": f"矩阵{s}"}),
    Case("api:support-conversation-read", "post", cap=Cap.MESSAGE, obj="conversation", data=lambda o, u, s: {}),
    # Member changes: the owner adds (a peer already in the group: 400) or removes; anyone else leaves (204), the
    # owner may not (409); another's group is 404.
    Case("api:support-conversation-members", "post", cap=Cap.MESSAGE, obj="conversation", ok=(200, 400, 403),
         data=lambda o, u, s: {"participants": [_peer(u)]}),
    Case("api:support-conversation-member-remove", "post", cap=Cap.MESSAGE, obj="conversation", ok=(204, 409),
         data=lambda o, u, s: {"user": getattr(u, "pk", 0)}),
    Case("api:support-contact-list", cap=Cap.MESSAGE, query=lambda o, u, s: {"q": ("", "registrar")[s % 2]}),
    Case("api:support-message-file", cap=Cap.MESSAGE, obj="message_attachment"),
    Case("api:support-faq-list", query=lambda o, u, s: {"q": ("", "矩阵")[s % 2]}),
    Case("api:support-announcement-list", query=lambda o, u, s: {"box": ("", "unread", "published")[s % 3]}),
    Case("api:support-announcement-list", "post", cap=Cap.ANNOUNCEMENT_PUBLISH, ok=(201,),
         data=lambda o, u, s: {"title": f"矩阵{s}", "body": "矩阵", "targets": [_child_unit(u)]}),
    Case("api:support-announcement-detail", obj="announcement"),
    Case("api:support-announcement-read", "post", obj="announcement", data=lambda o, u, s: {}),
    Case("api:support-announcement-unread", cap=Cap.ANNOUNCEMENT_PUBLISH, obj="own_announcement"),
    # 培训考试 (xueji/training/api/): the ministry's course is offered to everyone (its sessions and exams too); a
    # course's bank, sessions, exams and attendance are its managers' (an authority's registrar, for their unit's
    # courses and those below); a certificate is its holder's; the verification by code is public.
    Case("api:training-course-list", query=lambda o, u, s: {"box": ("", "offered", "managed")[s % 3]}),
    Case("api:training-course-list", "post", cap=Cap.TRAINING_MANAGE, ok=(201,),
         data=lambda o, u, s: {"title": f"矩阵{s}", "level": "school"}),
    Case("api:training-course-detail", obj="course"),
    Case("api:training-course-detail", "put", cap=Cap.TRAINING_MANAGE, obj="own_course",
         data=lambda o, u, s: {"title": getattr(o, "title", "矩阵"), "level": "school", "mode": "face",
                               "validity_months": 24, "description": f"矩阵{s}"}),
    Case("api:training-question-detail", "put", cap=Cap.TRAINING_MANAGE, obj="own_question",
         data=lambda o, u, s: {"kind": "true_false", "text": f"矩阵{s}", "answer": [0], "points": 1}),
    Case("api:training-question-detail", "delete", cap=Cap.TRAINING_MANAGE, obj="own_question", ok=(204,)),
    Case("api:training-question-list", cap=Cap.TRAINING_MANAGE, obj="own_course"),
    Case("api:training-question-list", "post", cap=Cap.TRAINING_MANAGE, obj="own_course", ok=(201,),
         data=lambda o, u, s: {"kind": "single", "text": f"矩阵{s}", "choices": ["甲", "乙"], "answer": [0]}),
    Case("api:training-session-create", "post", cap=Cap.TRAINING_MANAGE, obj="own_course", ok=(201,),
         data=lambda o, u, s: {"starts_at": "2031-03-01T09:00:00+08:00", "ends_at": "2031-03-01T12:00:00+08:00"}),
    Case("api:training-exam-create", "post", cap=Cap.TRAINING_MANAGE, obj="own_course", ok=(201,),
         data=lambda o, u, s: {"title": f"矩阵{s}"}),
    Case("api:training-session-enrol", "post", obj="session", ok=(201,), data=lambda o, u, s: {}),
    Case("api:training-session-attendance", cap=Cap.TRAINING_MANAGE, obj="own_session"),
    Case("api:training-session-attendance", "post", cap=Cap.TRAINING_MANAGE, obj="own_session",
         data=lambda o, u, s: {"present": []}),
    Case("api:training-exam-start", "post", obj="exam", data=lambda o, u, s: {}),
    Case("api:training-exam-submit", "post", obj="exam", data=lambda o, u, s: {"answers": {}}),
    Case("api:training-certificate-list"),
    Case("api:training-certificate-pdf", obj="own_certificate"),
    Case("api:training-verify", public=True, anonymous=(200,), query=lambda o, u, s: {"code": _certificate_code()}),
    # 平台账号 and 服务统计 (xueji/support/api/platform.py): a unit's system administrator reports its super
    # administrator (the ministry has no level above: 400); the level directly above binds it; the authorities'
    # registrars and leaders read the support reports of their area.
    Case("api:support-account-report-list", cap=Cap.PLATFORM_ACCOUNTS),
    Case("api:support-account-report-list", "post", cap=Cap.PLATFORM_ACCOUNTS, ok=(201, 400),
         data=lambda o, u, s: {"user": u.pk if u else 0, "phone": "13900000000"}),
    Case("api:support-account-report-bind", "post", cap=Cap.PLATFORM_ACCOUNTS, obj="account_report",
         data=lambda o, u, s: {}),
    Case("api:support-reports", cap=Cap.SUPPORT_REPORT),
    # 考勤, 控辍保学, registers, 月报, 举报 (xueji/attendance/api/). A class's day is set by its own school (an
    # authority's registrar is refused, 403; a weekend is a 400); a case's follow-up by the authorities; a report is
    # signed by its unit's leader only (403 for others, 409 once signed) and submitted after it (409 before). A misuse
    # report is seen by the unit it is routed to (its leader and registrar: 404 for the unit's other roles and for
    # the levels above, which is routing rather than jurisdiction; tested exactly in xueji/attendance/tests).
    Case("api:attendance-class-absences", cap=Cap.STUDENT_VIEW, obj="class"),
    Case("api:attendance-class-absences", "post", cap=Cap.STUDENT_EDIT, obj="class", ok=(200, 400, 403),
         data=lambda o, u, s: {"date": _today(), "entries": {}}),
    Case("api:attendance-absence-import", "post", cap=Cap.STUDENT_IMPORT, json=False, ok=(400,),
         data=lambda o, u, s: {"file": _csv_file("学校代码,学籍号,日期\n3201021001,G0,2026-03-02\n")}),
    Case("api:attendance-case-list", cap=Cap.DROPOUT_VIEW, query=lambda o, u, s: {"status": ("", "all")[s % 2]}),
    Case("api:attendance-case-totals", cap=Cap.DROPOUT_VIEW),
    Case("api:attendance-case-detail", cap=Cap.DROPOUT_VIEW, obj="dropout_case"),
    Case("api:attendance-case-follow-up", "post", cap=Cap.DROPOUT_VIEW, obj="dropout_case", ok=(201,),
         data=lambda o, u, s: {"kind": "note", "note": f"矩阵{s}"}),
    Case("api:attendance-migrant", cap=Cap.STUDENT_VIEW, query=lambda o, u, s: {"summary": ("", "1")[s % 2]}),
    Case("api:attendance-left-behind", cap=Cap.STUDENT_VIEW),
    Case("api:attendance-left-behind-entry", cap=Cap.STUDENT_VIEW, obj="student"),
    Case("api:attendance-left-behind-entry", "post", cap=Cap.STUDENT_EDIT, obj="student", ok=(201, 403),
         data=lambda o, u, s: {"term": "2026-1", "guardian_name": "矩阵"}),
    Case("api:attendance-eligibility", cap=Cap.STUDENT_VIEW,
         query=lambda o, u, s: {"programme": ("nutrition", "aid")[s % 2]}),
    Case("api:attendance-report-list", cap=Cap.DROPOUT_VIEW),
    # (the ministry reads the provinces' reports and makes none: 403)
    Case("api:attendance-report-list", "post", cap=Cap.DROPOUT_VIEW, ok=(201, 403), data=lambda o, u, s: {
        "month": "2000-01"}),
    Case("api:attendance-report-status", cap=Cap.DROPOUT_VIEW),
    Case("api:attendance-report-detail", cap=Cap.DROPOUT_VIEW, obj="monthly_report"),
    Case("api:attendance-report-sign", "post", cap=Cap.DROPOUT_VIEW, obj="monthly_report", ok=(200, 403, 409)),
    Case("api:attendance-report-submit", "post", cap=Cap.DROPOUT_VIEW, obj="monthly_report", ok=(403, 409)),
    Case("api:attendance-assessment", cap=Cap.DROPOUT_VIEW, query=lambda o, u, s: {"term": ("", "2025-2")[s % 2]}),
    Case("api:attendance-misuse-list", query=lambda o, u, s: {"box": ("", "mine", "routed")[s % 3]}),
    Case("api:attendance-misuse-list", "post", ok=(201,), data=lambda o, u, s: {
        "about_unit": _unit_pk("tunxi_primary"), "text": f"矩阵{s}"}),
    Case("api:attendance-misuse-detail", obj="misuse_report", ok=(200, 404)),
    Case("api:attendance-misuse-handle", "post", obj="misuse_report", ok=(200, 403, 404, 409),
         data=lambda o, u, s: {"note": "矩阵"}),
    # 统计报表 (xueji/reports/api/): the dashboard of one's own area; a statistics return is its uploading unit's and
    # the levels above; funding rules and allocations are the province's (a county's registrar is refused: 403).
    Case("api:reports-dashboard", cap=Cap.STUDENT_VIEW,
         query=lambda o, u, s: {"chart": ("", "region", "waiting")[s % 3]}),
    Case("api:reports-statistics-list", cap=Cap.STUDENT_VIEW),
    Case("api:reports-statistics-list", "post", cap=Cap.STUDENT_VIEW, ok=(400,), data=lambda o, u, s: {}),
    Case("api:reports-statistics-detail", cap=Cap.STUDENT_VIEW, obj="statistics_return"),
    Case("api:reports-rule-list", cap=Cap.STUDENT_VIEW),
    Case("api:reports-rule-list", "post", cap=Cap.REQUEST_FILE, ok=(400,), data=lambda o, u, s: {"stage": "1"}),
    Case("api:reports-allocation-list", cap=Cap.STUDENT_VIEW),
    Case("api:reports-allocation-list", "post", cap=Cap.REQUEST_FILE, ok=(400,), data=lambda o, u, s: {}),
    Case("api:reports-allocation-detail", cap=Cap.STUDENT_VIEW, obj="allocation"),
    Case("api:reports-allocation-submit", "post", cap=Cap.REQUEST_FILE, obj="allocation", ok=(200, 403, 409),
         data=lambda o, u, s: {}),
    Case("schema"),
    Case("swagger-ui", json=False),
    Case("redoc", json=False),
]
