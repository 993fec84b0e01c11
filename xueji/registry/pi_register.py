"""The register of personal information (个人信息清单, SECURITY.md row 28, T-PI-01): every model field that holds
personal information, with its purpose, legal basis, retention and mask rule; and every other model field, named
as holding none.

A test walks every concrete field of every model of every xueji app (`registry/tests/test_pi_register.py`) and
fails on a field named in neither table, and on a name here that is no field: adding a model field forces the
decision whether it is personal information, and why it is collected. The same test checks that every item of the
national student form (`registry.fields`, from which the entry form, the API, the record maintenance and the
import are built) lands on a registered field, so no form submits an unregistered item; that a family member
holds only the national form's items; and that each mask rule agrees with what the one presenter
(`registry.presenters`) does with a value of that name.

Mask rules:
- `id`, `national_number`, `phone`, `address`, `email`: masked by the presenter unless the user holds
  `student.view_id` (or an interface client's profile unmasks the kind);
- `text`: free text, shown within the jurisdiction, with every ID-shaped run masked (`Presenter.text`);
- `by_key`: a JSON structure, each item masked by its key at any depth (`Presenter.mapping`);
- `shown`: shown to the users whose jurisdiction holds the record (name, sex, birth date: what a registrar works
  with), never outside it;
- `never`: never shown to anyone (password hashes, blind indexes).

Whether a field is sealed at rest (SM4-GCM, `core.fields.SealedCharField`; for JSON, `SealedJSONField`, which
seals the ID numbers and national numbers inside) is read from the model itself (`sealed`), not declared twice.

The legal bases are the law's own articles: PIPL art. 13(1)(3) (performing statutory duties) and art. 34 (state
organs within their statutory duties) for what the education authorities and schools process for 学籍; art.
13(1)(2) (human-resources management) for their staff's accounts; 网络安全法 art. 23 (2025 numbering, old art. 21)
for the logs. Which statute names each duty is an interpretation (see SECURITY.md, [interp])."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# Purposes (目的)
P_RECORD = "学籍管理：建立、维护、核验学生学籍（《中小学生学籍管理办法》）"
P_FAMILY = "学籍表的家庭成员/监护人信息：联系监护人、核对身份"
P_SUPPORT_PUPIL = "资助、特殊保护与统计：留守、随迁、残疾、孤儿、随班就读、交通"
P_VERIFY = "身份核查：与公安人口库比对学生身份"
P_PRESCHOOL = "小学新生注册：接续学前教育记录"
P_ADMISSION = "招生录取与重复招生处理"
P_TRANSFER = "转学与跨省就学调档"
P_GRADUATION = "毕业、结业与去向登记，升学考试结果"
P_PROBLEM = "问题学籍处理（重复、身份错误）及删除留档"
P_CHANGE = "学籍变动、审批与证明材料"
P_ATTENDANCE = "考勤、控辍保学与留守儿童登记"
P_EXCHANGE = "省际消息与业务记录副本"
P_ACCOUNT = "平台账号：登录、身份鉴别、通知"
P_CLASS = "班级管理：班主任联系方式"
P_AUDIT = "安全审计与入侵检测"
P_HELP = "服务支持：咨询、工单、即时通讯、举报"
P_JOB = "后台任务的参数（导出、查询条件）"

# Legal bases (依据)
B_DUTY = "个人信息保护法第十三条第一款第三项、第三十四条（履行法定职责）；《中小学生学籍管理办法》"
B_STAFF = "个人信息保护法第十三条第一款第二项（人力资源管理）、第三项（履行法定职责）"
B_LOG = "网络安全法第二十三条（2025年修正，原第二十一条：网络日志留存不少于六个月）"

# Retention (保存期限)
R_RECORD = "学籍存续期间；离校（毕业、转出、注销）后按学籍档案保管规定保存，期满删除或匿名化"
R_COPY = "随所属业务记录（申请、转学、录取、核查、问题学籍）保存，业务办结后按该记录的保存期限"
R_ACCOUNT = "账号存续期间；账号删除时一并删除"
R_AUDIT = "不少于185天（XUEJI_AUDIT_RETENTION_DAYS），期满签名归档后删除（manage.py purge_audit_log）"
R_SECURITY = "告警与计数：处理后按运维保留期清理（manage.py cleanup）"
R_HELP = "服务支持记录存续期间"
R_JOB = "任务记录存续期间；结果文件 XUEJI_JOB_FILE_DAYS 天后删除"

# The mask rules, with the words the register's page shows for each.
MASKS = {
    "id": _("ID number masked (first and last 4 kept)"), "national_number": _("G number masked like the ID"),
    "phone": _("phone masked (138****5678)"), "address": _("address masked after the first 6 characters"),
    "email": _("e-mail masked"), "text": _("shown; ID-shaped text masked"),
    "by_key": _("each item masked by its key"), "shown": _("shown within the jurisdiction"),
    "never": _("never shown"),
}


@dataclass(frozen=True)
class PIField:
    purpose: str
    basis: str
    retention: str
    mask: str


def _fields(purpose: str, basis: str, retention: str, spec: str) -> dict[str, PIField]:
    """`spec`: field names separated by spaces, each with its mask rule after a colon (default `shown`)."""
    out = {}
    for token in spec.split():
        name, _, mask = token.partition(":")
        out[name] = PIField(purpose, basis, retention, mask or "shown")
    return out


def _merge(*parts: dict[str, PIField]) -> dict[str, PIField]:
    out: dict[str, PIField] = {}
    for part in parts:
        out.update(part)
    return out


# Model label -> field name -> what it is for.
PI: dict[str, dict[str, PIField]] = {
    "registry.Student": _merge(
        _fields(P_RECORD, B_DUTY, R_RECORD,
                "national_number:national_number national_number_index:never national_number_tail:never "
                "national_number_kind name name_pinyin name_initials sex birth_date ethnic nationality "
                "id_type id_number:id id_number_index:never id_number_tail:never status class_number entry_date "
                "hukou_nature health address:address phone:phone reg_status verify_status"),
        _fields(P_SUPPORT_PUPIL, B_DUTY, R_RECORD, "is_left_behind is_migrant security_label"),
    ),
    "registry.StudentDetail": _merge(
        _fields(P_RECORD, B_DUTY, R_RECORD,
                "birthplace native_place gatqw political_status former_name id_valid_period hukou_location talents "
                "aux_number admission_mode study_mode student_source mailing_address:address "
                "family_address:address postcode email:email homepage is_only_child had_preschool"),
        _fields(P_SUPPORT_PUPIL, B_DUTY, R_RECORD,
                "left_behind is_orphan is_martyr_child inclusion disability gov_purchased_seat needs_aid "
                "boarding_subsidy distance_km commute_mode needs_school_bus"),
    ),
    "registry.FamilyMember": _fields(
        P_FAMILY, B_DUTY, R_RECORD,
        "relation name id_type id_number:id id_number_index:never phone:phone is_guardian employer relation_note "
        "ethnic address:address hukou_location job_title"),
    "registry.NationalNumber": _fields(P_RECORD, B_DUTY, R_RECORD, "number:national_number number_index:never"),
    "registry.StudentHistory": _fields(P_RECORD, B_DUTY, R_RECORD, "changes:by_key reason:text"),
    "registration.PreschoolRecord": _fields(
        P_PRESCHOOL, B_DUTY, R_COPY,
        "id_number:id id_number_index:never name sex birth_date ethnic kindergarten data:by_key"),
    "verification.RegisterEntry": _fields(P_VERIFY, B_DUTY, R_COPY,
                                          "id_number:id id_number_index:never name sex birth_date"),
    "verification.VerificationItem": _fields(P_VERIFY, B_DUTY, R_COPY, "id_number:id name result"),
    "problems.Problem": _fields(P_PROBLEM, B_DUTY, R_COPY, "key:text id_number:id detail:by_key"),
    "problems.ProblemMember": _fields(P_PROBLEM, B_DUTY, R_COPY, "student_name"),
    "problems.ProblemEvent": _fields(P_PROBLEM, B_DUTY, R_COPY, "note:text"),
    "problems.DeletedRecord": _fields(P_PROBLEM, B_DUTY, R_COPY, "name id_number:id numbers:by_key snapshot:by_key"),
    "problems.RetiredNumber": _fields(P_PROBLEM, B_DUTY, R_COPY, "number:national_number number_index:never"),
    "changes.StatusChange": _fields(P_CHANGE, B_DUTY, R_RECORD, "note:text"),
    "workflow.Request": _fields(P_CHANGE, B_DUTY, R_COPY, "title:text payload:by_key result:by_key reject_reason:text"),
    "workflow.Step": _fields(P_CHANGE, B_DUTY, R_COPY, "comment:text"),
    "workflow.Action": _fields(P_CHANGE, B_DUTY, R_COPY, "comment:text data:by_key"),
    "workflow.Proof": _fields(P_CHANGE, B_DUTY, R_COPY, "original_name:text description:text"),
    "transfers.Transfer": _fields(
        P_TRANSFER, B_DUTY, R_COPY,
        "pupil:by_key national_number:national_number national_number_index:never reason:text"),
    "schoolyear.Graduate": _fields(P_GRADUATION, B_DUTY, R_RECORD, "id_number:never destination"),
    "schoolyear.ExamResult": _fields(P_GRADUATION, B_DUTY, R_RECORD, "subject passed score"),
    "admissions.Admission": _fields(
        P_ADMISSION, B_DUTY, R_COPY,
        "id_number:id id_number_index:never name sex birth_date national_number:national_number"),
    "admissions.AdmissionBatch": _fields(P_ADMISSION, B_DUTY, R_COPY, "errors:by_key"),
    "admissions.Entry": _fields(
        P_TRANSFER, B_DUTY, R_COPY,
        "pupil:by_key national_number:national_number national_number_index:never id_number:id name reason:text"),
    "attendance.Absence": _fields(P_ATTENDANCE, B_DUTY, R_RECORD, "date kind"),
    "attendance.DropoutCase": _fields(P_ATTENDANCE, B_DUTY, R_RECORD, "reason days outcome"),
    "attendance.CaseFollowUp": _fields(P_ATTENDANCE, B_DUTY, R_RECORD, "note:text"),
    "attendance.LeftBehindEntry": _fields(
        P_ATTENDANCE, B_DUTY, R_RECORD,
        "guardian_name guardian_relation guardian_phone:phone parents_away care_measures:text"),
    "attendance.MisuseReport": _fields(P_HELP, B_DUTY, R_HELP, "text:text handling_note:text"),
    "hub.OutboxMessage": _fields(P_EXCHANGE, B_DUTY, R_COPY, "subject:text payload:by_key"),
    "hub.InboxMessage": _fields(P_EXCHANGE, B_DUTY, R_COPY, "subject:text payload:by_key"),
    "hub.SubjectSequence": _fields(P_EXCHANGE, B_DUTY, R_COPY, "subject:text"),
    "schools.SchoolClass": _fields(P_CLASS, B_STAFF, R_RECORD, "head_teacher head_teacher_phone:phone"),
    "accounts.User": _fields(
        P_ACCOUNT, B_STAFF, R_ACCOUNT,
        "username first_name last_name full_name email:email phone:phone password:never"),
    "accounts.PasswordHistory": _fields(P_ACCOUNT, B_STAFF, R_ACCOUNT, "password:never"),
    "accounts.UKeyDevice": _fields(P_ACCOUNT, B_STAFF, R_ACCOUNT, "subject"),
    "accounts.Alert": _fields(P_AUDIT, B_LOG, R_SECURITY, "subject_ip key:text evidence:by_key"),
    "accounts.NotFoundCounter": _fields(P_AUDIT, B_LOG, R_SECURITY, "ip"),
    "audit.AuditEvent": _fields(
        P_AUDIT, B_LOG, R_AUDIT, "actor_username acted_by object_repr:text before:by_key after:by_key ip"),
    "support.AccountReport": _fields(P_ACCOUNT, B_STAFF, R_ACCOUNT, "phone:phone email:email"),
    "support.Message": _fields(P_HELP, B_STAFF, R_HELP, "body:text"),
    "support.Ticket": _fields(
        P_HELP, B_STAFF, R_HELP, "title:text description:text steps:text contact rating_comment:text"),
    "support.TicketEvent": _fields(P_HELP, B_STAFF, R_HELP, "text:text"),
    "support.Attachment": _fields(P_HELP, B_STAFF, R_HELP, "original_name:text"),
    "jobs.Job": _fields(P_JOB, B_DUTY, R_JOB, "params:by_key"),
}


# Model label -> the fields that hold no personal information (keys, codes of units, states, counts, times, key
# material; an org unit's address and phone are public contact data), space-separated.
NON_PI: dict[str, str] = {
    "regions.Region": "code name level parent is_active",
    "regions.OrgUnit": "id created_at updated_at kind name code region parent path is_active",
    "schools.School": (
        "id created_at updated_at org_unit code name county running_type stages address phone is_active "
        "name_grams year_start"
    ),
    "schools.SchoolYear": "id start_year start_date end_date is_current",
    "schools.SchoolClass": "id created_at updated_at school stage cohort_year number name is_active",
    "schools.CountyTally": "id county path schools classes",
    "accounts.User_groups": "id user group",
    "accounts.User_user_permissions": "id user permission",
    "accounts.User": (
        "id last_login is_superuser is_staff is_active date_joined org_unit password_changed_at "
        "must_change_password security_stamp"
    ),
    "accounts.RoleAssignment": "id user role granted_at mac",
    "registry.StudentMac": "student_id mac",  # HMAC-SM3 of the record's identity items (control 23)
    "accounts.PasswordHistory": "id user created_at",
    "accounts.DenialCounter": "id actor_id minute count",
    "accounts.Loan": (
        "id lender borrower org_unit starts_at ends_at reason status filed_at decided_by decided_at "
        "decision_note ended_at"
    ),
    "accounts.Alert": (
        "id kind org_unit subject_user window_start window_end count audit_ids status created_at "
        "handled_by handled_at"
    ),
    "accounts.NotFoundCounter": "id minute count paths",
    "accounts.SecurityKey": (
        "id user name confirmed credential_id public_key sign_count transports created_at "
        "last_used_at"
    ),
    "accounts.UKeyDevice": "id user name confirmed public_key provider serial created_at last_used_at",
    "audit.AuditEvent": (
        "id created_at actor org_unit org_path action object_type object_id request_id success "
        "chain_partition chain_seq chain_prev chain_hash actor_role org_code"
    ),
    "audit.AuditChainHead": "partition seq hash event_id",
    "audit.AuditChainCheck": "id started_at finished_at by rows ok breaks heads unchained",
    "signing.SigningKey": "id user public_key sealed_private_key created_at",
    "signing.Signature": "id subject object_id signer public_key digest signature signed_at",
    "registry.Student": "id created_at updated_at school school_class province_code registration_request_id",
    "registry.FamilyMember": "id student",
    "registry.StudentDetail": "student",
    "registry.NationalNumber": "id kind student issued_at superseded_at",
    "registry.StudentHistory": "id student kind old new request_id actor at",
    "registry.StudentCount": "id school school_class class_key status reg_status n",
    "registry.SchoolStudentCount": "id school path status reg_status n",
    "registry.CountyStudentCount": "id county path status reg_status n",
    "registry.NumberSequence": "key last",
    "policy.BusinessWindow": "id province_code org_unit kind start_date end_date note",
    "policy.ApprovalRoute": "id province_code request_type route_key steps updated_at",
    "policy.PolicySetting": "id province_code org_unit key value updated_at",
    "policy.ControlledItem": "id org_unit item controlled updated_at",
    "policy.ClassCap": "id org_unit stage cap locked updated_at",
    "policy.FunctionSwitch": "id province_code stage key value updated_at",
    "workflow.Request": (
        "id type status filer filer_org province_code subject_type subject_id round route_key "
        "created_at updated_at finished_at"
    ),
    "workflow.RequestParty": "id request name org_unit sees",
    "workflow.Subject": "id kind key",
    "workflow.RequestSubject": "id request subject",
    "workflow.Step": "id request round order resolver org_unit role status decided_by decided_at",
    "workflow.Action": "id request step kind actor org_unit status_after at",
    "workflow.Proof": "id request stored_name content_type size sha256 uploaded_by uploaded_at",
    "registration.PreschoolRecord": "id province_code taken_over_by loaded_at",
    "verification.RegisterEntry": "loaded_at",
    "verification.VerificationBatch": (
        "id org_unit province_code mode status total answered counts file job "
        "created_by created_at finished_at"
    ),
    "verification.VerificationItem": "id batch student answered_at",
    "problems.Problem": (
        "id kind status resolution province_code source job arbitration_request created_at updated_at "
        "resolved_at"
    ),
    "problems.ProblemMember": "id problem student school_org county_org state request",
    "problems.ProblemEvent": "id problem member kind actor request at",
    "problems.DeletedRecord": "id former_id province_code school_org problem request deleted_by deleted_at",
    "problems.RetiredNumber": "id kind record issued_at retired_at",
    "changes.StatusChange": (
        "id student school kind type_code reason_code effective_date old_status new_status "
        "old_class new_class keep_until request actor at"
    ),
    "transfers.Transfer": (
        "request student source_school source_school_name source_class destination_school "
        "destination_school_name destination_class distance migrant state source_province_code "
        "destination_province_code filed_at decided_at completed_at escalated_at escalated_from "
        "side peer_key retrieval_at cancellation outcome"
    ),
    "schoolyear.GraduationBatch": "id school stage kind year count created_by created_at",
    "schoolyear.Graduate": (
        "id batch student school previous_status destination_school destination_filled_at "
        "reverted_at reverted_by"
    ),
    "schoolyear.PromotionRun": (
        "id org_unit province_code from_year to_year status job scheduled_by backup_file "
        "created_at started_at finished_at"
    ),
    "schoolyear.PromotionSchool": "id run school state blockers reason excluded_by pupils classes_closed promoted_at",
    "schoolyear.ExamResult": "id student loaded_at",
    "admissions.AdmissionPlan": "id school stage year quota note updated_by updated_at",
    "admissions.AdmissionBatch": (
        "id org_unit year status file_name sha256 total_rows admitted_rows held_rows "
        "already_rows new_records error_count created_by created_at"
    ),
    "admissions.Admission": (
        "id year stage school school_class student status source batch row created_by created_at "
        "decided_by decided_at enrolled_at"
    ),
    "admissions.Catchment": "id stage area school created_by created_at",
    "admissions.Entry": (
        "request side state school school_class student peer_province_code peer_school_name peer_key "
        "outcome filed_at decided_at retrieval_at completed_at"
    ),
    "support.AccountReport": "id org_unit parent_org user status reported_by reported_at bound_by bound_at channels",
    "support.Presence": "user org_unit last_seen staff",
    "support.Conversation": "id kind title pair created_by created_at last_message_id last_message_at",
    "support.Participant": "id conversation user last_read_id since_id joined_at",
    "support.Message": "id conversation sender created_at client_key event",
    "support.Ticket": (
        "id asker asker_org level_org status category student request taken_by solved_by arrived_at "
        "due_at escalated_at solved_at confirmed_at rating created_at updated_at"
    ),
    "support.TicketLevel": "id ticket org_unit arrived_at due_at taken_at solved_at left_at outcome",
    "support.TicketEvent": "id ticket kind actor org_unit created_at",
    "support.Attachment": (
        "id ticket event announcement message stored_name content_type size sha256 uploaded_by "
        "uploaded_at"
    ),
    "support.FaqEntry": "id ticket org_unit category question answer published_by published_at",
    "support.Announcement": (
        "id org_unit publisher title body pinned valid_from valid_until roles stages status "
        "request published_at created_at"
    ),
    "support.AnnouncementTarget": "id announcement org_unit",
    "support.AnnouncementRead": "id announcement user read_at",
    "training.Course": (
        "id org_unit title description level mode material for_registrars validity_months is_active "
        "created_by created_at"
    ),
    "training.Session": "id course title starts_at ends_at place capacity",
    "training.Enrolment": "id session user source enrolled_at attended attendance_by",
    "training.Question": "id course kind text choices answer points",
    "training.Exam": "id course title duration_minutes pass_mark is_active",
    "training.Attempt": "id exam user question_ids started_at deadline submitted_at answers score max_score passed",
    "training.Certificate": "id user course attempt org_unit number code issued_at valid_until",
    "attendance.Absence": "id student school school_class province_code school_day recorded_by recorded_at",
    "attendance.DropoutCase": "id student school county province_code opened_on status closed_on",
    "attendance.CaseFollowUp": "id case kind on actor at",
    "attendance.LeftBehindEntry": "id student term updated_by updated_at",
    "attendance.MonthlyReport": (
        "id org_unit month status figures manual generated_at generated_by signed_by "
        "signed_at submitted_at late late_reason"
    ),
    "attendance.MisuseReport": "id reporter about_unit handler_unit status created_at handled_at handled_by",
    "reports.PupilTally": (
        "id county path stage cohort status reg_status verify_status number_kind sex ethnic hukou "
        "migrant left_behind n"
    ),
    "reports.PupilFigure": "id county path dim value n",
    "reports.ClassSize": "school_class seated",
    "reports.ClassBand": "id county path band classes",
    "reports.StatisticsReturn": "id org_unit stat_date original_name uploaded_by uploaded_at rows",
    "reports.StatisticsRow": "id statistics_return school grade sex count",
    "reports.FundingRule": "id org_unit stage programme amount valid_from valid_to created_by created_at",
    "reports.Allocation": (
        "id org_unit at_date status total pupils excluded request_id created_by created_at "
        "approved_at"
    ),
    "reports.AllocationLine": "id allocation school county stage programme pupils amount total",
    "reports.AllocationExcluded": "id allocation student school reason",
    "exchange.ImportBatch": (
        "id school kind status file_name file_size file_type sha256 stored_file encoding "
        "total_rows valid_rows invalid_rows duplicate_rows already_imported_rows error_count "
        "error_report warnings failure timings created_by job created_at started_at finished_at"
    ),
    "jobs.Job": (
        "id kind title status progress log result result_file error error_code error_detail file_cap "
        "file_scope file_expires_at file_encrypted file_password heartbeat_at task_id rerun_of created_by "
        "org_unit created_at started_at finished_at"
    ),
    "jobs.WorkerBeat": "name started_at beat_at",
    "jobs.DownloadLink": "id job user token_hash created_at expires_at used_at",  # a one-time token, its SHA-256
    "hub.OutboxMessage": "id key side peer kind seq schema attempts error_code error_message state created_at sent_at",
    "hub.InboxMessage": (
        "id key side peer kind seq schema attempts error_code error_message state sent_at received_at "
        "applied_at"
    ),
    "hub.SubjectSequence": "id sender receiver last",
    "ops.Backup": "id name status reason vendor size checksum path error created_at seconds",
    "ops.Alert": "id kind key message detail count opened_at last_at resolved_at mailed_to",
    "ops.IntegrityCheck": "id host source status at files manifest_digest differences",
    "ops.Mark": "name at",
    "ops.CacheEntry": "cache_key value expires",
    "interface.ApiClient": (
        "id created_at updated_at name owner scope client_id items unmasked rate_limit is_active "
        "rotated_at revoked_at created_by"
    ),
    "interface.ApiSecret": "id client digest created_at expires_at",
    "interface.ApiRateWindow": "id client minute calls",
    "interface.StudentChange": "id student_id op old_school_id new_school_id seq changed_at",
}


def entry(label: str, name: str) -> PIField | None:
    """The register's entry of a model field (None: it holds no personal information)."""
    return PI.get(label, {}).get(name)


def non_pi(label: str) -> frozenset[str]:
    return frozenset(NON_PI.get(label, "").split())


def rows():
    """The register as rows (model label, field, verbose name, PIField, sealed at rest), for the auditor."""
    from django.apps import apps

    from xueji.core.fields import SealedCharField, SealedJSONField

    for label, fields in PI.items():
        model = apps.get_model(label)
        for name, item in fields.items():
            field = model._meta.get_field(name)
            yield label, name, str(field.verbose_name), item, isinstance(field, SealedCharField | SealedJSONField)
