"""The web pages' rows of the jurisdiction matrix (walked by test_matrix.py with the API rows).

Web answers differ from the API's: anonymous visitors are redirected to the login page (302), a
successful form post redirects (302), and an out-of-jurisdiction id, in the URL or in a form, is 404.
"""

from xueji.accounts.permissions import Cap
from xueji.ui.tests.matrix import (
    Case,
    _admission_file,
    _admission_year,
    _child_unit,
    _class_payload,
    _controlled_items,
    _csv_file,
    _entry_filing,
    _id_of_shexian,
    _import_upload,
    _number_of,
    _peer,
    _plan_change_payload,
    _plan_payload,
    _proof_file,
    _school_payload,
    _today,
    _transfer_filing,
    _unit_pk,
    _window_today,
    pupil_form,
)


def _matrix_token(user) -> str:
    from xueji.transfers.tests.helpers import matrix_token

    return matrix_token(user)


def _catchment_form(obj, user, seq):
    """A catchment of 屯溪区's primary school: inside the area of every acting office."""
    from xueji.schools.models import School

    return {"stage": "1", "area": f"矩阵区{seq}", "school": School.objects.get(code="3410021001").pk}


def _second_admin(user) -> int:
    from xueji.support.tests.platform_helpers import matrix_second_admin

    return matrix_second_admin(user)


def _interface_client(obj, user, seq):
    from xueji.interface.tests.helpers import matrix_client_form

    return matrix_client_form(obj, user, seq)


def _download_link(job, user) -> str:
    """A single-use link of this user's own (the job's page issues one): the checks before it are the matrix's."""
    from xueji.jobs.services import download_link_issue

    return download_link_issue(actor=user, job=job) if user is not None else "x"


def _web(name, method="get", **kwargs) -> Case:
    kwargs.setdefault("anonymous", (302,))
    return Case(name, method, json=False, **kwargs)


def _security_settings(obj, user, seq):
    """Every security setting at its default (the numbers; no extra second-factor roles): a save that changes
    nothing at a level, refused at a school."""
    from xueji.accounts import security_settings

    return {key.replace(".", "__"): security_settings.default(key) for key, definition in
            security_settings.SETTINGS.items() if definition.stricter != security_settings.MORE}


def _school_edit(school, user, seq):
    return {"name": school.name, "running_type": school.running_type, "stages": list(school.stages),
            "phone": f"0559-{seq:07d}", "is_active": "on"}


def _user_create(unit, user, seq):
    # The password shares little with the username, so the similarity validator never trips on some seq.
    return {"username": f"webmatrix_{seq}", "full_name": "矩阵用户", "org_unit": unit.pk, "roles": [],
            "password": "Qz7#pLw9Rt"}


def _auditor_create(auditor, user, seq):
    return {"username": f"webmatrix_auditor_{seq}", "full_name": "矩阵审计员", "org_unit": auditor.org_unit_id,
            "password": "Qz7#pLw9Rt"}


def _user_edit(target, user, seq):
    return {"full_name": f"改名{seq}", "org_unit": target.org_unit_id, "roles": sorted(target.role_set)}


def pupil_web(school_class, user, seq) -> dict:
    """The API's national-form payload in the web form's field names (guardians flattened)."""
    data = pupil_form(school_class, user, seq)
    guardians = data.pop("guardians")
    for n, guardian in enumerate(guardians, start=1):
        data.update({f"guardian{n}__{key}": value for key, value in guardian.items()})
    data["kind"] = "enrolled"
    return data


def _takeover(klass, user, seq):
    student = klass.students.first()
    return {"m-student": student.pk if student else 0, "m-school_class": klass.pk,
            "m-id_number": getattr(student, "id_number", "") or ""}


def _problem_correct(problem, user, seq):
    member = problem.members.first()
    student = member.student
    return {"member": member.pk, "name": f"更正{seq}", "sex": student.sex, "birth_date": student.birth_date,
            "id_type": student.id_type, "id_number": student.id_number or "", "reason": "矩阵"}


def _record_form(student, user, seq):
    """The record form as its page fills it, with a new phone number."""
    from xueji.changes.ui.forms import RecordEditForm
    from xueji.registry.models import StudentDetail

    student = type(student).objects.get(pk=student.pk)  # as it stands now: the form carries its version
    values = RecordEditForm.initial_of(student, StudentDetail.objects.filter(student=student).first())
    return {**values, "phone": f"1390000{seq % 10000:04d}"}


def _member_form(member, user, seq):
    return {"name": member.name, "relation": member.relation, "id_type": member.id_type,
            "id_number": member.id_number, "phone": f"1370000{seq % 10000:04d}", "is_guardian": "1"}


def _route(o, u, s):
    return {"request_type": "registration.enrolled", "resolver_1": "filing_school", "role_1": "leader",
            "resolver_2": "filing_county", "role_2": "registrar", "resolver_3": "filing_city", "role_3": "registrar"}


REDIRECT = (302,)
# A decision, withdrawal or proof on a visible request: done (302), refused on the page (200), or not the
# user's step or request (403).
ACTED = (200, 302, 403)
WEB_CASES: list[Case] = [
    _web("accounts:login", public=True, ok=(200, 302), anonymous=(200,)),
    # readiness for load balancers and monitoring: the same for everyone, no sign-in (core/health.py)
    _web("healthz", public=True, anonymous=(200,)),
    # Prometheus: no sign-in, the test client's address (127.0.0.1) is allowed by default (xueji/ops/metrics.py)
    _web("metrics", public=True, anonymous=(200,)),
    _web("accounts:login", "post", public=True, ok=(200,), anonymous=(200,),
         data=lambda o, u, s: {"username": "nobody", "password": "Wrong@123456"}),
    _web("accounts:logout", "post", public=True, ok=REDIRECT),  # a visitor is sent to the sign-in page
    _web("accounts:password_change"),
    _web("accounts:password_change", "post", ok=(200,),
         data=lambda o, u, s: {"old_password": "x", "new_password": "y", "new_password2": "y"}),
    _web("ui:workbench"),
    _web("regions:org_list", cap=Cap.ORG_VIEW),
    _web("regions:org_detail", cap=Cap.ORG_VIEW, obj="org"),
    _web("schools:school_list", cap=Cap.ORG_VIEW),
    _web("schools:school_detail", cap=Cap.ORG_VIEW, obj="school"),
    _web("schools:school_create", cap=Cap.SCHOOL_MANAGE),
    _web("schools:school_create", "post", cap=Cap.SCHOOL_MANAGE, obj="county", in_url=False, data=_school_payload,
         ok=REDIRECT),
    _web("schools:school_edit", cap=Cap.SCHOOL_MANAGE, obj="school"),
    _web("schools:school_edit", "post", cap=Cap.SCHOOL_MANAGE, obj="school", data=_school_edit, ok=REDIRECT),
    _web("schools:class_list", cap=Cap.ORG_VIEW),
    _web("schools:class_detail", cap=Cap.ORG_VIEW, obj="class"),
    _web("schools:class_create", cap=Cap.CLASS_MANAGE),
    _web("schools:class_create", "post", cap=Cap.CLASS_MANAGE, obj="school", in_url=False, data=_class_payload,
         ok=REDIRECT),
    _web("schools:class_edit", cap=Cap.CLASS_MANAGE, obj="class"),
    _web("schools:class_edit", "post", cap=Cap.CLASS_MANAGE, obj="class",
         data=lambda o, u, s: {"head_teacher": f"赵老师{s}", "is_active": "on"}, ok=REDIRECT),
    _web("schools:school_year_list"),
    _web("schools:school_year_create", cap=Cap.SCHOOL_YEAR_MANAGE),
    _web("schools:school_year_create", "post", cap=Cap.SCHOOL_YEAR_MANAGE,
         data=lambda o, u, s: {"start_year": 2030 + s % 60}, ok=REDIRECT),
    _web("schools:school_year_set_current", "post", cap=Cap.SCHOOL_YEAR_MANAGE, obj="year", ok=REDIRECT),
    _web("registry:student_list", cap=Cap.STUDENT_VIEW),
    _web("registry:student_list", "post", cap=Cap.STUDENT_VIEW, data=lambda o, u, s: {"q": "学生"}, ok=REDIRECT),
    _web("registry:student_detail", cap=Cap.STUDENT_VIEW, obj="student"),
    _web("registry:student_timeline", cap=Cap.STUDENT_VIEW, obj="student"),
    # The label posted is the record's own (none): the holders are redirected and the record stays as it is.
    _web("registry:student_label", "post", cap=Cap.STUDENT_LABEL, obj="student",
         data=lambda o, u, s: {"label": "none", "reason": "矩阵"}, ok=REDIRECT),
    _web("registry:student_card", cap=Cap.STUDENT_VIEW, obj="student"),
    _web("registry:student_unmask", "post", cap=Cap.STUDENT_VIEW_ID, obj="student",
         data=lambda o, u, s: {"reason": "核对转学材料"}),
    _web("registry:student_export", "post", cap=Cap.STUDENT_VIEW, obj="school", in_url=False,
         data=lambda o, u, s: {"school": o.pk}, ok=REDIRECT),
    _web("accounts:user_list", cap=Cap.USER_MANAGE),
    _web("accounts:user_create", cap=Cap.USER_MANAGE),
    _web("accounts:user_create", "post", cap=Cap.USER_MANAGE, obj="org", in_url=False, data=_user_create,
         ok=REDIRECT),
    _web("accounts:user_edit", cap=Cap.USER_MANAGE, obj="user"),
    _web("accounts:user_edit", "post", cap=Cap.USER_MANAGE, obj="user", data=_user_edit, ok=REDIRECT),
    _web("accounts:user_reset_password", cap=Cap.USER_MANAGE, obj="user"),
    _web("accounts:user_reset_password", "post", cap=Cap.USER_MANAGE, obj="user",
         data=lambda o, u, s: {"new_password": "Reset@2026xy"}, ok=REDIRECT),
    _web("accounts:user_set_active", "post", cap=Cap.USER_MANAGE, obj="user", data=lambda o, u, s: {"is_active": "1"},
         ok=REDIRECT),
    _web("accounts:user_unlock", "post", cap=Cap.SECURITY_MANAGE, obj="user", ok=REDIRECT),
    _web("accounts:security_user_list", cap=Cap.SECURITY_MANAGE),
    # 三员分立 (issue 11 item 4): roles from the security administrator; password loans (借用); intrusion alerts.
    _web("accounts:security_user_roles", cap=Cap.SECURITY_MANAGE, obj="user"),
    _web("accounts:security_user_roles", "post", cap=Cap.SECURITY_MANAGE, obj="user",
         data=lambda o, u, s: {"roles": sorted(o.role_set)}, ok=(302, 403)),
    _web("accounts:loan_list"),
    _web("accounts:loan_file"),
    _web("accounts:loan_file", "post", data=lambda o, u, s: {}, ok=(200,)),
    # A loan is its lender's and borrower's: anyone else meets a 404, inside the jurisdiction too; only the
    # borrower acts under it (the lender is refused, 403).
    _web("accounts:loan_act", "post", obj="loan", ok=(302, 403, 404)),
    _web("accounts:loan_end", "post", obj="loan", ok=(302, 404)),
    _web("accounts:loan_stop", "post", ok=REDIRECT),
    _web("accounts:security_loan_list", cap=Cap.SECURITY_MANAGE),
    _web("accounts:loan_approve", "post", cap=Cap.SECURITY_MANAGE, obj="loan", ok=REDIRECT),
    _web("accounts:loan_refuse", "post", cap=Cap.SECURITY_MANAGE, obj="loan", ok=REDIRECT),
    _web("accounts:alert_list", cap=Cap.SECURITY_MANAGE),
    _web("accounts:alert_detail", cap=Cap.SECURITY_MANAGE, obj="alert"),
    _web("accounts:alert_set_status", "post", cap=Cap.SECURITY_MANAGE, obj="alert",
         data=lambda o, u, s: {"status": "acknowledged"}, ok=REDIRECT),
    _web("accounts:user_reset_second_factor", "post", cap=Cap.SECOND_FACTOR_RESET, obj="school_leader",
         ok=REDIRECT),
    # The second-factor step: any signed-in user (those who need none are sent on to the workbench).
    _web("accounts:mfa_verify", ok=REDIRECT),
    _web("accounts:mfa_verify", "post", ok=REDIRECT),
    _web("accounts:mfa_enrol", ok=REDIRECT),
    _web("accounts:mfa_enrol", "post", ok=REDIRECT),
    # The second-factor step's other devices: a verified (or exempt) session has nothing to verify (409 JSON, or
    # sent on); the UKey enrolment likewise.
    _web("accounts:mfa_enrol_ukey", "post", ok=REDIRECT),
    _web("accounts:mfa_key_options", "post", ok=(409,)),
    _web("accounts:mfa_key_verify", "post", ok=(409,)),
    _web("accounts:mfa_ukey_verify", "post", ok=REDIRECT),
    # 安全密钥: every signed-in user's own keys. Registering: the options (200 JSON), an empty answer refused (400);
    # a UKey's registration without data shows the form again (200). A key is its owner's: anyone else, 404.
    _web("accounts:key_list"),
    _web("accounts:key_register_options", "post"),
    _web("accounts:key_register_verify", "post", ok=(400,)),
    _web("accounts:ukey_register", "post"),
    _web("accounts:key_remove", "post", obj="security_key", ok=(302, 404)),
    _web("accounts:ukey_remove", "post", obj="ukey", ok=(302, 404)),
    _web("accounts:auditor_list", cap=Cap.AUDITOR_MANAGE),
    _web("accounts:auditor_create", cap=Cap.AUDITOR_MANAGE),
    _web("accounts:auditor_create", "post", cap=Cap.AUDITOR_MANAGE, obj="auditor", in_url=False, data=_auditor_create,
         ok=REDIRECT),
    _web("accounts:auditor_reset_password", cap=Cap.AUDITOR_MANAGE, obj="auditor"),
    _web("accounts:auditor_reset_password", "post", cap=Cap.AUDITOR_MANAGE, obj="auditor",
         data=lambda o, u, s: {"new_password": "Reset@2026xy"}, ok=REDIRECT),
    _web("accounts:auditor_set_active", "post", cap=Cap.AUDITOR_MANAGE, obj="auditor",
         data=lambda o, u, s: {"is_active": "1"}, ok=REDIRECT),
    _web("audit:audit_list", cap=Cap.AUDIT_VIEW),
    _web("audit:audit_detail", cap=Cap.AUDIT_VIEW, obj="audit"),
    _web("audit:audit_chain", cap=Cap.AUDIT_VIEW),
    _web("audit:audit_chain", "post", cap=Cap.AUDIT_VIEW, ok=REDIRECT),
    _web("audit:audit_evidence", cap=Cap.AUDIT_VIEW),
    _web("audit:pi_register", cap=Cap.AUDIT_VIEW),
    _web("jobs:job_list", cap=Cap.JOB_VIEW),
    _web("jobs:job_detail", cap=Cap.JOB_VIEW, obj="job"),
    _web("jobs:job_progress", cap=Cap.JOB_VIEW, obj="job"),
    _web("jobs:job_download", cap=Cap.JOB_VIEW, object_cap=Cap.STUDENT_VIEW_ID, obj="job",
         query=lambda o, u, s: {"link": _download_link(o, u)}),
    _web("jobs:job_rerun", method="post", cap=Cap.JOB_VIEW, obj="job", ok=(302,)),
    # approval engine
    _web("workflow:inbox", cap=Cap.REQUEST_VIEW),
    _web("workflow:inbox_decide", "post", cap=Cap.REQUEST_VIEW, obj="request", in_url=False,
         data=lambda o, u, s: {"requests": [o.pk]}, ok=REDIRECT),
    _web("workflow:request_list", cap=Cap.REQUEST_VIEW),
    _web("workflow:request_detail", cap=Cap.REQUEST_VIEW, obj="request"),
    _web("workflow:request_decide", "post", cap=Cap.REQUEST_VIEW, obj="request", ok=ACTED,
         data=lambda o, u, s: {"decision": "approve"}),
    _web("workflow:request_withdraw", "post", cap=Cap.REQUEST_VIEW, obj="request", ok=(302, 403)),
    _web("workflow:request_resubmit", "post", cap=Cap.REQUEST_VIEW, obj="request", ok=(302, 403)),
    _web("workflow:proof_upload", "post", cap=Cap.REQUEST_VIEW, obj="request", data=_proof_file, ok=ACTED),
    _web("workflow:proof_download", cap=Cap.REQUEST_VIEW, obj="proof"),
    # policy
    _web("policy:window_list"),
    _web("policy:window_create", cap=Cap.POLICY_MANAGE),
    _web("policy:window_create", "post", cap=Cap.POLICY_MANAGE, ok=REDIRECT, data=_window_today),
    _web("policy:window_edit", cap=Cap.POLICY_MANAGE, obj="window"),
    _web("policy:window_edit", "post", cap=Cap.POLICY_MANAGE, obj="window", ok=REDIRECT,
         data=lambda o, u, s: {"start_date": o.start_date.isoformat(), "end_date": o.end_date.isoformat(),
                               "note": f"矩阵{s}"}),
    _web("policy:window_delete", "post", cap=Cap.POLICY_MANAGE, obj="window", ok=REDIRECT),
    _web("policy:controlled_items", cap=Cap.POLICY_VIEW),
    _web("policy:controlled_items", "post", cap=Cap.POLICY_MANAGE, ok=REDIRECT, data=_controlled_items),
    _web("policy:cap_list", cap=Cap.POLICY_VIEW),
    _web("policy:cap_list", "post", cap=Cap.POLICY_MANAGE, ok=REDIRECT, data=lambda o, u, s: {"cap_3": "40"}),
    _web("policy:switch_list", cap=Cap.POLICY_VIEW),
    _web("policy:switch_list", "post", cap=Cap.POLICY_PROVINCE, ok=REDIRECT,
         data=lambda o, u, s: {"entry_age_min_age_1": "6", "entry_age_enabled_1": "on", "registration_open_1": "on",
                               "status_changes_3": ["11", "12"]}),
    _web("policy:route_list", cap=Cap.POLICY_VIEW),
    _web("policy:route_edit", cap=Cap.POLICY_PROVINCE, query=lambda o, u, s: {"type": "registration.enrolled"}),
    _web("policy:route_edit", "post", cap=Cap.POLICY_PROVINCE, data=_route, ok=REDIRECT),
    _web("policy:setting_list", cap=Cap.POLICY_VIEW),
    _web("policy:setting_list", "post", cap=Cap.POLICY_PROVINCE, ok=REDIRECT,
         data=lambda o, u, s: {"proof_max_mb": "3", "import_max_mb": "50"}),
    # 安全策略: the security administrator of a level (a school's reads what binds it; its save is refused on the form)
    _web("policy:security_settings", cap=Cap.SECURITY_MANAGE),
    _web("policy:security_settings", "post", cap=Cap.SECURITY_MANAGE, data=_security_settings, ok=(200, 302)),
    # registration (entering is the school's: authorities are sent to the drafts, or refused on the form)
    _web("registration:student_enter", cap=Cap.STUDENT_EDIT, ok=(200, 302)),
    _web("registration:student_enter", "post", cap=Cap.STUDENT_EDIT, obj="class", in_url=False, data=pupil_web,
         ok=(200, 302)),
    _web("registration:draft_list", cap=Cap.STUDENT_EDIT),
    _web("registration:draft_list", "post", cap=Cap.STUDENT_EDIT, data=lambda o, u, s: {"q": "学生"}, ok=REDIRECT),
    _web("registration:draft_edit", cap=Cap.STUDENT_EDIT, obj="draft"),
    _web("registration:draft_edit", "post", cap=Cap.STUDENT_EDIT, obj="draft", ok=(200, 302),
         data=lambda o, u, s: pupil_web(o.school_class, u, s)),
    _web("registration:draft_delete", "post", cap=Cap.STUDENT_EDIT, obj="draft", ok=REDIRECT),
    _web("registration:registration_submit", "post", cap=Cap.REQUEST_FILE, obj="draft", in_url=False, ok=REDIRECT,
         data=lambda o, u, s: {"kind": "enrolled", "student_ids": [o.pk]}),
    _web("registration:grade1_lookup", cap=Cap.STUDENT_EDIT, ok=(200, 302)),
    _web("registration:grade1_lookup", "post", cap=Cap.STUDENT_EDIT, ok=(200, 302),
         data=lambda o, u, s: {"id_number": "341002201909010013"}),
    _web("registration:returning_search", cap=Cap.REQUEST_FILE, ok=(200, 302)),
    _web("registration:returning_search", "post", cap=Cap.REQUEST_FILE, ok=(200, 302),
         data=lambda o, u, s: {"id_number": "341002201601010011"}),
    _web("registration:returning_takeover", "post", cap=Cap.REQUEST_FILE, obj="class", in_url=False, data=_takeover,
         ok=REDIRECT),
    # bulk import
    _web("exchange:import_list", cap=Cap.STUDENT_VIEW),
    _web("exchange:import_upload", cap=Cap.STUDENT_IMPORT),
    _web("exchange:import_upload", "post", cap=Cap.STUDENT_IMPORT, data=_import_upload, ok=REDIRECT),
    _web("exchange:import_template", cap=Cap.STUDENT_IMPORT, query=lambda o, u, s: {"format": ("xlsx", "csv")[s % 2]}),
    _web("exchange:import_detail", cap=Cap.STUDENT_VIEW, obj="import"),
    _web("exchange:import_progress", cap=Cap.STUDENT_VIEW, obj="import"),
    _web("exchange:import_errors", cap=Cap.STUDENT_VIEW_ID, obj="import"),
    # identity verification, problem records, national numbers
    _web("verification:list", cap=Cap.VERIFY_RUN),
    _web("verification:run", "post", cap=Cap.VERIFY_RUN, obj="org", in_url=False, ok=REDIRECT,
         data=lambda o, u, s: {"org_unit": o.pk}),
    _web("verification:export", "post", cap=Cap.VERIFY_RUN, obj="org", in_url=False, ok=REDIRECT,
         data=lambda o, u, s: {"org_unit": o.pk}),
    _web("verification:register_load", "post", cap=Cap.REGISTER_LOAD, ok=REDIRECT,
         data=lambda o, u, s: {"file": _csv_file("341002201501010011,张三\n")}),
    _web("verification:detail", cap=Cap.VERIFY_RUN, obj="verification_batch"),
    _web("verification:file", cap=Cap.VERIFY_RUN, obj="verification_batch"),
    _web("verification:answers", "post", cap=Cap.VERIFY_RUN, obj="verification_batch", ok=REDIRECT,
         data=lambda o, u, s: {"file": _csv_file(f"{o.pk}-1,341002201501010011,1\n")}),
    _web("problems:problem_list", cap=Cap.PROBLEM_VIEW),
    _web("problems:problem_scan", "post", cap=Cap.PROBLEM_SCAN, obj="org", in_url=False, ok=REDIRECT,
         data=lambda o, u, s: {"kind": "duplicates" if s % 2 else "errors", "org_unit": o.pk}),
    _web("problems:problem_detail", cap=Cap.PROBLEM_VIEW, obj="problem"),
    _web("problems:problem_correct", "post", cap=Cap.REQUEST_FILE, obj="problem", data=_problem_correct,
         ok=(200, 302)),
    _web("problems:problem_delete", "post", cap=Cap.REQUEST_FILE, obj="problem", ok=(200, 302),
         data=lambda o, u, s: {"member": o.members.first().pk, "reason": "矩阵"}),
    _web("problems:problem_confirm", "post", cap=Cap.REQUEST_FILE, obj="problem", ok=(200, 302),
         data=lambda o, u, s: {"member": o.members.first().pk, **_proof_file(o, u, s)}),
    _web("problems:problem_arbitrate", "post", cap=Cap.REQUEST_VIEW, obj="problem", ok=REDIRECT,
         data=lambda o, u, s: {"keep_member": o.members.first().pk}),
    # record maintenance, family members, status changes: the pupil's own school edits and files (an authority's
    # registrar is refused with the 403 page); the authorities read, and follow the dropout list
    _web("changes:record_edit", cap=Cap.STUDENT_EDIT, obj="student"),
    _web("changes:record_edit", "post", cap=Cap.STUDENT_EDIT, obj="student", data=_record_form, ok=(302, 403)),
    _web("changes:family_list", cap=Cap.STUDENT_VIEW, obj="student"),
    _web("changes:family_add", cap=Cap.STUDENT_EDIT, obj="student"),
    _web("changes:family_add", "post", cap=Cap.STUDENT_EDIT, obj="student", ok=(302, 403),
         data=lambda o, u, s: {"name": f"矩阵亲属{s}", "relation": "51", "id_type": "1", "is_guardian": "1"}),
    _web("changes:family_edit", cap=Cap.STUDENT_EDIT, obj="family"),
    _web("changes:family_edit", "post", cap=Cap.STUDENT_EDIT, obj="family", data=_member_form, ok=(302, 403)),
    _web("changes:family_remove", "post", cap=Cap.STUDENT_EDIT, obj="family", ok=(302, 403)),
    _web("changes:status_change_new", cap=Cap.REQUEST_FILE, obj="student"),
    _web("changes:status_change_new", "post", cap=Cap.REQUEST_FILE, obj="student", ok=(302, 400, 403),
         data=lambda o, u, s: {"kind": "dropout", "reason": "27"}),
    _web("changes:request_list", cap=Cap.REQUEST_VIEW),
    _web("changes:status_change_list", cap=Cap.STUDENT_VIEW),
    _web("changes:dropout_list", cap=Cap.DROPOUT_VIEW),
    # the messages between provinces: the province's system administrator reads its side's outbox and inbox
    _web("hub:inbox", cap=Cap.HUB_VIEW),
    _web("hub:outbox", cap=Cap.HUB_VIEW),
    _web("ops:status", cap=Cap.OPS_VIEW),
    # the data interface: the province's system administrator registers and manages its API clients
    _web("interface:client_list", cap=Cap.INTERFACE_MANAGE),
    _web("interface:client_create", cap=Cap.INTERFACE_MANAGE),
    _web("interface:client_create", "post", cap=Cap.INTERFACE_MANAGE, data=_interface_client),
    _web("interface:client_detail", cap=Cap.INTERFACE_MANAGE, obj="api_client"),
    _web("interface:client_edit", cap=Cap.INTERFACE_MANAGE, obj="api_client"),
    _web("interface:client_edit", "post", cap=Cap.INTERFACE_MANAGE, obj="api_client", data=_interface_client,
         ok=REDIRECT),
    _web("interface:client_rotate", cap=Cap.INTERFACE_MANAGE, obj="api_client"),
    _web("interface:client_rotate", "post", cap=Cap.INTERFACE_MANAGE, obj="api_client",
         data=lambda o, u, s: {"overlap_hours": "24"}),
    _web("interface:client_revoke", cap=Cap.INTERFACE_MANAGE, obj="api_client"),
    _web("interface:client_revoke", "post", cap=Cap.INTERFACE_MANAGE, obj="api_client",
         data=lambda o, u, s: {"confirm": "on"}, ok=REDIRECT),
    # transfers: a school's registrar finds a pupil of another school and files; both schools and the authorities
    # above them read; whoever sees a transfer may post a decision (refused unless the step is theirs)
    _web("transfers:transfer_list", cap=Cap.REQUEST_VIEW),
    _web("transfers:transfer_inbox", cap=Cap.REQUEST_VIEW),
    _web("transfers:transfer_find", cap=Cap.TRANSFER_FILE),
    _web("transfers:transfer_find", "post", cap=Cap.TRANSFER_FILE,
         data=lambda o, u, s: {"id_number": _id_of_shexian()}),
    _web("transfers:transfer_new", cap=Cap.TRANSFER_FILE, query=lambda o, u, s: {"token": _matrix_token(u)}),
    _web("transfers:transfer_new", "post", cap=Cap.TRANSFER_FILE, ok=REDIRECT,
         data=_transfer_filing),
    _web("transfers:transfer_detail", cap=Cap.REQUEST_VIEW, obj="transfer"),
    _web("transfers:transfer_decide", "post", cap=Cap.REQUEST_VIEW, obj="transfer", ok=(302, 400, 403),
         data=lambda o, u, s: {"decision": "approve"}),
    _web("transfers:transfer_form_pdf", cap=Cap.REQUEST_VIEW, obj="transfer"),
    # 调档 and 跨省转学撤销 (a refusal comes back as a message on the transfer's page)
    _web("transfers:transfer_retrieve", "post", cap=Cap.TRANSFER_FILE, obj="transfer", ok=(302, 403),
         data=lambda o, u, s: {}),
    _web("transfers:transfer_cancel", "post", cap=Cap.TRANSFER_FILE, obj="transfer", ok=(302, 403),
         data=lambda o, u, s: {}),
    # the school year's turn: a school's graduation (a refusal comes back as a message), the authorities' promotion
    _web("schoolyear:graduation", cap=Cap.GRADUATION_MANAGE),
    _web("schoolyear:graduation", "post", cap=Cap.GRADUATION_MANAGE, ok=(200,), data=lambda o, u, s: {}),
    _web("schoolyear:graduation_revert", "post", cap=Cap.GRADUATION_MANAGE, obj="student", ok=REDIRECT,
         data=lambda o, u, s: {}),
    _web("schoolyear:graduate_destination", "post", cap=Cap.GRADUATION_MANAGE, obj="student", ok=REDIRECT,
         data=lambda o, u, s: {"destination": "10"}),
    _web("schoolyear:promotion", cap=Cap.PROMOTION_MANAGE),
    _web("schoolyear:promotion_dry_run", cap=Cap.PROMOTION_MANAGE),
    # (the province's own: 403 promotion_province_only for a city or county)
    _web("schoolyear:promotion_start", "post", cap=Cap.PROMOTION_MANAGE, ok=(302, 403), data=lambda o, u, s: {}),
    _web("schoolyear:promotion_schedule", "post", cap=Cap.PROMOTION_MANAGE, ok=(302, 403),
         data=lambda o, u, s: {}),
    _web("schoolyear:promotion_exclude", "post", cap=Cap.PROMOTION_MANAGE, obj="school", ok=REDIRECT,
         data=lambda o, u, s: {}),
    _web("schoolyear:promotion_include", "post", cap=Cap.PROMOTION_MANAGE, obj="school", ok=REDIRECT,
         data=lambda o, u, s: {}),
    _web("schoolyear:promotion_school", "post", cap=Cap.PROMOTION_MANAGE, obj="school", ok=REDIRECT,
         data=lambda o, u, s: {}),
    _web("schoolyear:calendar", cap=Cap.GRADUATION_VIEW),
    # 统一毕业 of a school in the area (the matrix's world has no graduation window: a message, back to the calendar)
    _web("schoolyear:graduation_close", "post", cap=Cap.PROMOTION_MANAGE, obj="school", in_url=False, ok=REDIRECT,
         data=lambda o, u, s: {"schools": [o.pk]}),
    _web("schoolyear:exam_results", cap=Cap.PROMOTION_MANAGE),
    _web("schoolyear:exam_results", "post", cap=Cap.PROMOTION_MANAGE, data=lambda o, u, s: {}),
    _web("schoolyear:senior_graduation", "post", cap=Cap.GRADUATION_MANAGE, ok=REDIRECT, data=lambda o, u, s: {}),
    _web("problems:number_lookup", cap=Cap.STUDENT_VIEW),
    _web("problems:number_lookup", "post", cap=Cap.STUDENT_VIEW, obj="student", in_url=False,
         data=lambda o, u, s: {"number": _number_of(o)}),
    # admission: plans (the office edits a row inline), plan changes, the results import, admissions, duplicates
    _web("admissions:plan_list", cap=Cap.ADMISSION_VIEW),
    _web("admissions:plan_list", "post", cap=Cap.ADMISSION_MANAGE, obj="school", in_url=False, ok=REDIRECT,
         data=lambda o, u, s: {"inline": "1", **_plan_payload(o, u, s)}),
    _web("admissions:plan_change_list", cap=Cap.ADMISSION_VIEW),
    _web("admissions:plan_change_new", cap=Cap.REQUEST_FILE),
    _web("admissions:plan_change_new", "post", cap=Cap.REQUEST_FILE, ok=(200, 302), data=_plan_change_payload),
    _web("admissions:plan_change_decide", "post", cap=Cap.ADMISSION_MANAGE, obj="plan_change", ok=REDIRECT,
         data=lambda o, u, s: {"approve": "1"}),
    _web("admissions:batch_list", cap=Cap.ADMISSION_MANAGE),
    _web("admissions:batch_list", "post", cap=Cap.ADMISSION_MANAGE, ok=REDIRECT, data=_admission_file),
    _web("admissions:batch_detail", cap=Cap.ADMISSION_MANAGE, obj="admission_batch"),
    _web("admissions:batch_errors", cap=Cap.ADMISSION_MANAGE, obj="admission_batch"),
    _web("admissions:template", cap=Cap.ADMISSION_MANAGE),
    _web("admissions:admission_list", cap=Cap.ADMISSION_VIEW),
    _web("admissions:admission_apply", "post", cap=Cap.ADMISSION_MANAGE, ok=REDIRECT,
         data=lambda o, u, s: {"year": _admission_year()}),
    _web("admissions:duplicate_list", cap=Cap.ADMISSION_MANAGE),
    _web("admissions:admission_keep", "post", cap=Cap.ADMISSION_MANAGE, obj="admission", ok=REDIRECT,
         data=lambda o, u, s: {}),
    _web("admissions:admission_withdraw", "post", cap=Cap.ADMISSION_MANAGE, obj="admission", ok=REDIRECT,
         data=lambda o, u, s: {}),
    # 毕业后跨省就学: the receiving school files and retrieves (a refusal comes back as a message on the entry's page)
    _web("admissions:entry_list", cap=Cap.REQUEST_VIEW),
    _web("admissions:entry_new", cap=Cap.TRANSFER_FILE),
    _web("admissions:entry_new", "post", cap=Cap.TRANSFER_FILE, ok=REDIRECT, data=_entry_filing),
    _web("admissions:entry_detail", cap=Cap.REQUEST_VIEW, obj="entry"),
    _web("admissions:entry_retrieve", "post", cap=Cap.TRANSFER_FILE, obj="entry", ok=REDIRECT,
         data=lambda o, u, s: {}),
    _web("admissions:catchment_list", cap=Cap.ADMISSION_MANAGE),
    _web("admissions:catchment_list", "post", cap=Cap.ADMISSION_MANAGE, ok=REDIRECT, data=_catchment_form),
    _web("admissions:catchment_delete", "post", cap=Cap.ADMISSION_MANAGE, obj="catchment", ok=REDIRECT,
         data=lambda o, u, s: {}),
    _web("admissions:catchment_run", cap=Cap.ADMISSION_MANAGE,
         query=lambda o, u, s: {"stage": "2", "year": _admission_year()}),
    _web("admissions:catchment_run", "post", cap=Cap.ADMISSION_MANAGE, ok=REDIRECT,
         data=lambda o, u, s: {"stage": "2", "year": _admission_year()}),
    # 服务支持 (xueji/support/ui/): tickets, asking, a ticket's thread and actions, the FAQ, attachments, announcements.
    _web("support:ticket_list", cap=Cap.SUPPORT_ASK),
    _web("support:ticket_ask", cap=Cap.SUPPORT_ASK),
    _web("support:ticket_ask", "post", cap=Cap.SUPPORT_ASK, ok=REDIRECT,
         data=lambda o, u, s: {"title": f"矩阵{s}", "description": "矩阵", "category": "other"}),
    _web("support:ticket_detail", cap=Cap.SUPPORT_ASK, obj="ticket"),
    _web("support:ticket_thread", cap=Cap.SUPPORT_ASK, obj="ticket"),
    _web("support:ticket_act", "post", cap=Cap.SUPPORT_ASK, obj="ticket", ok=(302, 403),
         data=lambda o, u, s: {"act": "message", "text": f"矩阵{s}", "action": "answer"}),
    _web("support:faq_publish", cap=Cap.SUPPORT_ASK, obj="ticket"),
    _web("support:faq_publish", "post", cap=Cap.SUPPORT_ASK, obj="ticket", ok=(403,),
         data=lambda o, u, s: {"question": "矩阵", "answer": "矩阵"}),
    _web("support:conversation_list", cap=Cap.MESSAGE, query=lambda o, u, s: {"unread": ("", "1")[s % 2]}),
    _web("support:conversation_new", cap=Cap.MESSAGE),
    _web("support:conversation_new", "post", cap=Cap.MESSAGE, ok=REDIRECT,
         data=lambda o, u, s: {"participants": [_peer(u)], "title": f"矩阵{s}", "body": "矩阵"}),
    _web("support:conversation_detail", cap=Cap.MESSAGE, obj="conversation"),
    _web("support:conversation_poll", cap=Cap.MESSAGE, obj="conversation", query=lambda o, u, s: {"after": 0}),
    _web("support:conversation_send", "post", cap=Cap.MESSAGE, obj="conversation", ok=REDIRECT,
         data=lambda o, u, s: {"body": f"矩阵{s}"}),
    _web("support:conversation_people", cap=Cap.MESSAGE, obj="conversation"),
    _web("support:conversation_members_add", "post", cap=Cap.MESSAGE, obj="conversation", ok=REDIRECT,
         data=lambda o, u, s: {"participants": [_peer(u)]}),
    _web("support:conversation_member_remove", "post", cap=Cap.MESSAGE, obj="conversation", ok=REDIRECT,
         data=lambda o, u, s: {"user": getattr(u, "pk", 0)}),  # leaving (the owner stays: a message)
    _web("support:message_attachment", cap=Cap.MESSAGE, obj="message_attachment"),
    _web("support:faq_list", query=lambda o, u, s: {"q": ("", "矩阵")[s % 2]}),
    _web("support:attachment", cap=Cap.SUPPORT_ASK, obj="support_attachment"),
    _web("support:announcement_list", query=lambda o, u, s: {"box": ("", "unread", "published")[s % 3]}),
    _web("support:announcement_new", cap=Cap.ANNOUNCEMENT_PUBLISH),
    _web("support:announcement_new", "post", cap=Cap.ANNOUNCEMENT_PUBLISH, ok=REDIRECT,
         data=lambda o, u, s: {"title": f"矩阵{s}", "body": "矩阵", "targets": [_child_unit(u)]}),
    _web("support:announcement_detail", obj="announcement"),
    _web("support:announcement_unread", cap=Cap.ANNOUNCEMENT_PUBLISH, obj="own_announcement"),
    # 培训考试 (xueji/training/ui/): courses, a course's sessions, questions and exams (its managers), enrolling,
    # attendance, taking an exam, one's certificates and their PDF, the public verification.
    _web("training:course_list", query=lambda o, u, s: {"box": ("", "offered", "managed")[s % 3]}),
    _web("training:course_new", cap=Cap.TRAINING_MANAGE),
    _web("training:course_new", "post", cap=Cap.TRAINING_MANAGE, ok=REDIRECT,
         data=lambda o, u, s: {"title": f"矩阵{s}", "level": "school", "mode": "face", "validity_months": 24}),
    _web("training:course_detail", obj="course"),
    _web("training:course_edit", cap=Cap.TRAINING_MANAGE, obj="own_course"),
    _web("training:course_edit", "post", cap=Cap.TRAINING_MANAGE, obj="own_course", ok=REDIRECT,
         data=lambda o, u, s: {"title": getattr(o, "title", "矩阵"), "level": "school", "mode": "face",
                               "validity_months": 24, "is_active": "on", "description": f"矩阵{s}"}),
    _web("training:question_edit", cap=Cap.TRAINING_MANAGE, obj="own_question"),
    _web("training:question_edit", "post", cap=Cap.TRAINING_MANAGE, obj="own_question", ok=REDIRECT,
         data=lambda o, u, s: {"kind": "true_false", "text": f"矩阵{s}", "answer": "1", "points": 1}),
    _web("training:question_delete", "post", cap=Cap.TRAINING_MANAGE, obj="own_question", ok=REDIRECT),
    _web("training:session_new", "post", cap=Cap.TRAINING_MANAGE, obj="own_course", ok=REDIRECT,
         data=lambda o, u, s: {"starts_at": "2031-03-01 09:00", "ends_at": "2031-03-01 12:00", "capacity": 20}),
    _web("training:question_new", "post", cap=Cap.TRAINING_MANAGE, obj="own_course", ok=REDIRECT,
         data=lambda o, u, s: {"kind": "true_false", "text": f"矩阵{s}", "answer": "1", "points": 1}),
    _web("training:exam_new", "post", cap=Cap.TRAINING_MANAGE, obj="own_course", ok=REDIRECT,
         data=lambda o, u, s: {"duration_minutes": 30, "pass_mark": 60}),
    _web("training:session_detail", cap=Cap.TRAINING_MANAGE, obj="own_session"),
    _web("training:session_detail", "post", cap=Cap.TRAINING_MANAGE, obj="own_session", ok=REDIRECT),
    _web("training:session_enrol", "post", obj="session_web", ok=REDIRECT),
    _web("training:exam_take", obj="exam_web"),
    _web("training:exam_take", "post", obj="exam_web", ok=REDIRECT, data=lambda o, u, s: {"act": "start"}),
    _web("training:certificate_list"),
    _web("training:certificate_pdf", obj="own_certificate"),
    _web("training:verify", public=True, anonymous=(200,), query=lambda o, u, s: {"code": "NOSUCHCODE"}),
    # 平台账号 and 服务统计 (xueji/support/ui/platform_views.py): the ministry's report is refused on the form (200).
    _web("platform:accounts", cap=Cap.PLATFORM_ACCOUNTS),
    _web("platform:accounts", "post", cap=Cap.PLATFORM_ACCOUNTS, ok=(302, 200), data=lambda o, u, s: {
        "user": _second_admin(u), "phone": "13900000000"}),
    _web("platform:bind", "post", cap=Cap.PLATFORM_ACCOUNTS, obj="account_report_web", ok=REDIRECT),
    _web("platform:reports", cap=Cap.SUPPORT_REPORT),
    _web("platform:report_export", cap=Cap.SUPPORT_REPORT, query=lambda o, u, s: {"report": ("", "coverage")[s % 2]}),
    # 考勤, 控辍保学, registers, 月报, 举报 (xueji/attendance/ui/): as the API's rows (xueji/ui/tests/matrix.py); a
    # refusal the page shows as a message redirects (302), a form's error answers 200.
    _web("attendance:class_list", cap=Cap.STUDENT_VIEW),
    _web("attendance:class_grid", cap=Cap.STUDENT_VIEW, obj="class"),
    _web("attendance:class_grid", "post", cap=Cap.STUDENT_EDIT, obj="class", ok=(302, 403),
         data=lambda o, u, s: {"date": _today()}),
    _web("attendance:absence_import", cap=Cap.STUDENT_IMPORT),
    _web("attendance:absence_import", "post", cap=Cap.STUDENT_IMPORT, ok=(200,),
         data=lambda o, u, s: {"file": _csv_file("学校代码,学籍号,日期\n3201021001,G0,2026-03-02\n")}),
    _web("attendance:case_list", cap=Cap.DROPOUT_VIEW, query=lambda o, u, s: {"status": ("", "all")[s % 2]}),
    _web("attendance:case_detail", cap=Cap.DROPOUT_VIEW, obj="dropout_case"),
    _web("attendance:case_detail", "post", cap=Cap.DROPOUT_VIEW, obj="dropout_case", ok=REDIRECT,
         data=lambda o, u, s: {"kind": "note", "note": f"矩阵{s}", "on": _today()}),
    _web("attendance:migrant", cap=Cap.STUDENT_VIEW),
    _web("attendance:left_behind", cap=Cap.STUDENT_VIEW, query=lambda o, u, s: {"missing": ("", "1")[s % 2]}),
    _web("attendance:left_behind_edit", cap=Cap.STUDENT_VIEW, obj="student"),
    _web("attendance:left_behind_edit", "post", cap=Cap.STUDENT_EDIT, obj="student", ok=(302, 403),
         data=lambda o, u, s: {"term": "2026-1", "guardian_name": "矩阵"}),
    _web("attendance:eligibility", cap=Cap.STUDENT_VIEW, query=lambda o, u, s: {"programme": ("nutrition",
                                                                                              "aid")[s % 2]}),
    _web("attendance:eligibility_export", cap=Cap.STUDENT_VIEW, query=lambda o, u, s: {"programme": "aid"}),
    _web("attendance:report_list", cap=Cap.DROPOUT_VIEW),
    _web("attendance:report_list", "post", cap=Cap.DROPOUT_VIEW, ok=(302, 403), data=lambda o, u, s: {
        "month": "2000-01"}),
    _web("attendance:report_detail", cap=Cap.DROPOUT_VIEW, obj="monthly_report"),
    _web("attendance:report_detail", "post", cap=Cap.DROPOUT_VIEW, obj="monthly_report", ok=(302, 403),
         data=lambda o, u, s: {"action": "sign"}),
    _web("attendance:assessment", cap=Cap.DROPOUT_VIEW, query=lambda o, u, s: {"term": ("", "2025-2")[s % 2]}),
    _web("attendance:misuse_list", query=lambda o, u, s: {"box": ("", "mine", "routed")[s % 3]}),
    _web("attendance:misuse_new"),
    _web("attendance:misuse_new", "post", ok=REDIRECT, data=lambda o, u, s: {
        "about_unit": _unit_pk("tunxi_primary"), "text": f"矩阵{s}"}),
    _web("attendance:misuse_detail", obj="misuse_report", ok=(200, 404)),
    _web("attendance:misuse_detail", "post", obj="misuse_report", ok=(200, 302, 403, 404),
         data=lambda o, u, s: {"note": "矩阵"}),
    # 统计报表 (xueji/reports/ui/): the dashboard and one chart's Excel, the statistics returns and the comparison,
    # funding (an invalid form answers the page again), an allocation and its actions.
    _web("reports:dashboard", cap=Cap.STUDENT_VIEW),
    _web("reports:dashboard_export", cap=Cap.STUDENT_VIEW, query=lambda o, u, s: {"chart": ("sex", "grade")[s % 2]}),
    _web("reports:statistics_list", cap=Cap.STUDENT_VIEW),
    _web("reports:statistics_list", "post", cap=Cap.STUDENT_VIEW, ok=(200,), data=lambda o, u, s: {}),
    _web("reports:statistics_detail", cap=Cap.STUDENT_VIEW, obj="statistics_return"),
    _web("reports:funding", cap=Cap.STUDENT_VIEW),
    _web("reports:funding", "post", cap=Cap.REQUEST_FILE, ok=(200,), data=lambda o, u, s: {"form": "rule"}),
    _web("reports:allocation_detail", cap=Cap.STUDENT_VIEW, obj="allocation"),
    _web("reports:allocation_detail", "post", cap=Cap.REQUEST_FILE, obj="allocation", ok=(302, 403),
         data=lambda o, u, s: {"action": "none"}),
]
