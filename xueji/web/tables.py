"""Tables of the web UI (django-tables2). Big lists (students, audit events) use LazyPaginator: no COUNT(*)."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import Role
from xueji.accounts.selectors import locked_usernames
from xueji.core import codes
from xueji.registry.presenters import presenter_for
from xueji.registry.selectors import shown_id

NOWRAP = {"td": {"class": "text-nowrap"}}
TABLE_ATTRS = {"class": "table table-hover align-middle mb-0", "thead": {"class": "table-light"}}


def _badge(ok: bool, yes, no, *, bad: str = "text-bg-secondary") -> str:
    return format_html('<span class="badge {}">{}</span>', "text-bg-success" if ok else bad, yes if ok else no)


class Base(tables.Table):
    class Meta:
        attrs = TABLE_ATTRS
        empty_text = _("Nothing found.")
        template_name = "django_tables2/bootstrap5.html"


class OrgUnitTable(Base):
    name = tables.Column(verbose_name=_("Name"), linkify=("web:org_detail", {"pk": tables.A("pk")}))
    kind = tables.Column(verbose_name=_("Kind"))
    code = tables.Column(verbose_name=_("Code"))
    parent = tables.Column(verbose_name=_("Parent"), orderable=False)
    is_active = tables.BooleanColumn(verbose_name=_("Active"))

    class Meta(Base.Meta):
        order_by = ("code",)


class SchoolTable(Base):
    code = tables.Column(verbose_name=_("School code"))
    name = tables.Column(verbose_name=_("Name"), linkify=("web:school_detail", {"pk": tables.A("pk")}))
    county = tables.Column(verbose_name=_("County authority"), orderable=False)
    running_type = tables.Column(verbose_name=_("Running type"))
    stages = tables.Column(verbose_name=_("Stages"), orderable=False)
    is_active = tables.BooleanColumn(verbose_name=_("Active"))


    class Meta(Base.Meta):
        pass

    def render_running_type(self, record):
        return codes.RUNNING_TYPE.label(record.running_type)

    def render_stages(self, record):
        return record.stage_labels()


class ClassTable(Base):
    display_name = tables.Column(verbose_name=_("Class"), order_by=("-cohort_year", "number"),
                                 linkify=("web:class_detail", {"pk": tables.A("pk")}))
    school = tables.Column(verbose_name=_("School"), order_by=("school__name",))
    stage = tables.Column(verbose_name=_("Stage"))
    grade = tables.Column(verbose_name=_("Grade"), accessor="pk", orderable=False)
    head_teacher = tables.Column(verbose_name=_("Head teacher"))
    student_count = tables.Column(verbose_name=_("Enrolled students"), attrs={"td": {"class": "text-end"}})
    is_active = tables.BooleanColumn(verbose_name=_("Active"))


    class Meta(Base.Meta):
        pass

    def __init__(self, *args, school_year: int, show_school: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.school_year = school_year
        if not show_school:
            self.columns.hide("school")

    def render_stage(self, record):
        return codes.STAGE.label(record.stage)

    def render_grade(self, record):
        return record.grade_label(self.school_year)


class SchoolYearTable(Base):
    name = tables.Column(verbose_name=_("School year"), accessor="start_year", orderable=False)
    start_date = tables.DateColumn(verbose_name=_("Start date"), orderable=False)
    end_date = tables.DateColumn(verbose_name=_("End date"), orderable=False)
    is_current = tables.Column(verbose_name=_("Current"), orderable=False)
    actions = tables.Column(verbose_name="", accessor="pk", orderable=False, attrs={"td": {"class": "text-end"}})


    class Meta(Base.Meta):
        pass

    def __init__(self, *args, can_manage: bool, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.can_manage = can_manage
        self.request = request
        if not can_manage:
            self.columns.hide("actions")

    def render_name(self, record):
        return str(record)

    def render_is_current(self, record):
        return _badge(record.is_current, _("Current"), "—")

    def render_actions(self, record):
        if record.is_current:
            return ""
        return render_to_string("web/_set_current_button.html", {"year": record}, request=self.request)


class StudentTable(Base):
    national_number = tables.Column(verbose_name=_("National student number"), default="—")
    name = tables.Column(verbose_name=_("Full name"), linkify=("web:student_detail", {"pk": tables.A("pk")}))
    sex = tables.Column(verbose_name=_("Sex"))
    birth_date = tables.DateColumn(verbose_name=_("Date of birth"), format="Y-m-d", attrs=NOWRAP)
    id_number = tables.Column(verbose_name=_("ID number"), default="—")
    school = tables.Column(verbose_name=_("School"))
    school_class = tables.Column(verbose_name=_("Class"), default="—", attrs=NOWRAP)
    status = tables.Column(verbose_name=_("Status"))

    class Meta(Base.Meta):
        orderable = False  # millions of rows: the list keeps the selector's indexed order

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.shown = presenter_for(user)

    def render_national_number(self, record):
        # A G number is G + the ID: masked like the ID (through the presenter, as every personal item).
        return format_html('<span class="font-monospace">{}</span>', self.shown.national_number(record.national_number))

    def render_sex(self, record):
        return codes.SEX.label(record.sex)

    def render_id_number(self, record):
        # Sensitive personal information of minors: only ever through the presenter (masked unless the role needs it).
        return format_html('<span class="font-monospace">{}</span>', self.shown.id_number(record.id_number))

    def render_status(self, record):
        return codes.STUDENT_STATUS.label(record.status)


class UserTable(Base):
    username = tables.Column(verbose_name=_("Username"), linkify=("web:user_edit", {"pk": tables.A("pk")}))
    full_name = tables.Column(verbose_name=_("Full name"))
    org_unit = tables.Column(verbose_name=_("Organisation unit"), order_by=("org_unit__path",))
    roles = tables.Column(verbose_name=_("Roles"), accessor="pk", orderable=False)
    is_active = tables.Column(verbose_name=_("State"))
    locked = tables.Column(verbose_name=_("Lockout"), accessor="pk", orderable=False)
    last_login = tables.DateTimeColumn(verbose_name=_("Last login"), format="Y-m-d H:i", default="—")


    class Meta(Base.Meta):
        pass

    def render_roles(self, record):
        labels = dict(Role.choices)
        return "、".join(str(labels[a.role]) for a in record.role_assignments.all())

    def render_is_active(self, record):
        return _badge(record.is_active, _("Active"), _("Deactivated"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._locked = None

    def _locked_on_page(self) -> set[str]:
        # One query for the rows of the page shown (not one per row).
        if self._locked is None:
            self._locked = locked_usernames(usernames=[row.record.username for row in self.paginated_rows])
        return self._locked

    def render_locked(self, record):
        if record.username in self._locked_on_page():
            return format_html('<span class="badge text-bg-danger"><i class="bi bi-lock-fill"></i> {}</span>',
                               _("Locked"))
        return "—"


class AuditorTable(Base):
    """Auditor accounts of the levels below (三员分立): reset the password, activate or deactivate."""

    username = tables.Column(verbose_name=_("Username"))
    full_name = tables.Column(verbose_name=_("Full name"))
    org_unit = tables.Column(verbose_name=_("Organisation unit"), order_by=("org_unit__path",))
    is_active = tables.Column(verbose_name=_("State"))
    last_login = tables.DateTimeColumn(verbose_name=_("Last login"), format="Y-m-d H:i", default="—")
    actions = tables.Column(verbose_name=_("Actions"), accessor="pk", orderable=False)

    class Meta(Base.Meta):
        pass

    def render_is_active(self, record):
        return _badge(record.is_active, _("Active"), _("Deactivated"))

    def render_actions(self, record):
        from django.middleware.csrf import get_token

        return format_html(
            '<a class="btn btn-outline-primary btn-sm" href="{}"><i class="bi bi-key"></i> {}</a> '
            '<form method="post" action="{}" class="d-inline"><input type="hidden" name="csrfmiddlewaretoken" '
            'value="{}"><input type="hidden" name="is_active" value="{}">'
            '<button type="submit" class="btn btn-outline-secondary btn-sm">{}</button></form>',
            reverse("web:auditor_reset_password", args=[record.pk]), _("Reset password"),
            reverse("web:auditor_set_active", args=[record.pk]), get_token(self.request),
            "0" if record.is_active else "1", _("Deactivate") if record.is_active else _("Activate"))


class AuditEventTable(Base):
    created_at = tables.DateTimeColumn(verbose_name=_("Time"), format="Y-m-d H:i:s",
                                       linkify=("web:audit_detail", {"pk": tables.A("pk")}))
    actor_username = tables.Column(verbose_name=_("User"), default="—")
    action = tables.Column(verbose_name=_("Action"))
    object_repr = tables.Column(verbose_name=_("Object"), default="—")
    ip = tables.Column(verbose_name=_("IP address"), default="—")
    success = tables.Column(verbose_name=_("Result"))

    class Meta(Base.Meta):
        orderable = False

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.shown = presenter_for(user)  # no user: masked

    def render_action(self, value):
        return format_html('<code>{}</code>', value)

    def render_object_repr(self, value):
        return self.shown.text(value)

    def render_success(self, record):
        return _badge(record.success, _("Succeeded"), _("Failed"), bad="text-bg-danger")


class JobTable(Base):
    title = tables.Column(verbose_name=_("Title"), linkify=("web:job_detail", {"pk": tables.A("pk")}))
    status = tables.Column(verbose_name=_("Status"))
    progress = tables.Column(verbose_name=_("Progress"))
    created_by = tables.Column(verbose_name=_("Started by"), orderable=False)
    created_at = tables.DateTimeColumn(verbose_name=_("Started"), format="Y-m-d H:i")
    finished_at = tables.DateTimeColumn(verbose_name=_("Finished"), format="Y-m-d H:i", default="—")

    class Meta(Base.Meta):
        orderable = False

    def render_status(self, record):
        return render_to_string("web/_job_status.html", {"job": record})

    def render_progress(self, value):
        return f"{value}%"

    def render_created_by(self, record):
        return record.created_by.full_name or record.created_by.username


# ---------------------------------------------------------------- approval engine

def _request_type_label(code: str) -> str:
    from xueji.workflow.types import request_type

    try:
        return request_type(code).label
    except Exception:  # noqa: BLE001 - a type no longer registered still lists
        return code


def _select_all(name: str) -> dict:
    return {"th__input": {"data-select-all": name, "class": "form-check-input",
                          "aria-label": _("Select all on this page")},
            "td__input": {"class": "form-check-input", "data-select": name}}


class RequestTable(Base):
    title = tables.Column(verbose_name=_("Request"), linkify=("web:request_detail", {"pk": tables.A("pk")}))
    type = tables.Column(verbose_name=_("Type"))
    filer_org = tables.Column(verbose_name=_("Filed by"), orderable=False)
    status = tables.Column(verbose_name=_("Status"))
    round = tables.Column(verbose_name=_("Round"), attrs={"td": {"class": "text-end"}})
    created_at = tables.DateTimeColumn(verbose_name=_("Filed"), format="Y-m-d H:i")
    updated_at = tables.DateTimeColumn(verbose_name=_("Updated"), format="Y-m-d H:i")

    class Meta(Base.Meta):
        orderable = False

    def render_type(self, value):
        return _request_type_label(value)

    def render_status(self, record):
        return render_to_string("web/_request_status.html", {"status": record.status,
                                                              "label": record.get_status_display()})


class InboxTable(Base):
    """待办: the pending steps the user may decide; the checkbox carries the request id (bulk approval)."""

    requests = tables.CheckBoxColumn(accessor="request_id", attrs=_select_all("requests"))
    title = tables.Column(verbose_name=_("Request"), accessor="request__title",
                          linkify=lambda record: reverse("web:request_detail", args=[record.request_id]))
    type = tables.Column(verbose_name=_("Type"), accessor="request__type")
    filer_org = tables.Column(verbose_name=_("Filed by"), accessor="request__filer_org")
    step = tables.Column(verbose_name=_("Your step"), accessor="order")
    created_at = tables.DateTimeColumn(verbose_name=_("Filed"), accessor="request__created_at", format="Y-m-d H:i")

    class Meta(Base.Meta):
        orderable = False

    def render_type(self, value):
        return _request_type_label(value)

    def render_step(self, record):
        from xueji.workflow.resolvers import RESOLVER_LABELS

        party = RESOLVER_LABELS.get(record.resolver, record.resolver)
        text = _("Step %(order)s · %(party)s") % {"order": record.order, "party": party}
        if record.round > 1:
            text = f"{text} · " + _("round %(round)s") % {"round": record.round}
        return text


class RequestPupilTable(Base):
    """The pupils of a registration request: compact (one school), linking to their record, or to the form that
    corrects them while the request is returned to its filer."""

    national_number = tables.Column(verbose_name=_("National student number"), default="—")
    name = tables.Column(verbose_name=_("Full name"))
    sex = tables.Column(verbose_name=_("Sex"))
    birth_date = tables.DateColumn(verbose_name=_("Date of birth"), format="Y-m-d", attrs=NOWRAP)
    id_number = tables.Column(verbose_name=_("ID number"), default="—")
    school_class = tables.Column(verbose_name=_("Class"), default="—", attrs=NOWRAP)

    class Meta(Base.Meta):
        orderable = False

    def __init__(self, *args, user, editable: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.editable = user, editable
        self.shown = presenter_for(user)

    def render_national_number(self, record):
        return format_html('<span class="font-monospace">{}</span>', self.shown.national_number(record.national_number))

    def render_name(self, record):
        if self.editable:
            return format_html('<a href="{}"><i class="bi bi-pencil"></i> {}</a>',
                               reverse("web:draft_edit", args=[record.pk]), record.name)
        return format_html('<a href="{}">{}</a>', reverse("web:student_detail", args=[record.pk]), record.name)

    def render_sex(self, record):
        return codes.SEX.label(record.sex)

    def render_id_number(self, record):
        return format_html('<span class="font-monospace">{}</span>', self.shown.id_number(record.id_number))


# ---------------------------------------------------------------- policy

class WindowTable(Base):
    kind = tables.Column(verbose_name=_("Business"))
    start_date = tables.DateColumn(verbose_name=_("Opens"), format="Y-m-d")
    end_date = tables.DateColumn(verbose_name=_("Closes"), format="Y-m-d")
    state = tables.Column(verbose_name=_("Now"), accessor="pk")
    note = tables.Column(verbose_name=_("Note"), default="—")
    actions = tables.Column(verbose_name="", accessor="pk", orderable=False, attrs={"td": {"class": "text-end"}})

    class Meta(Base.Meta):
        orderable = False

    def __init__(self, *args, today, can_manage: bool, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.today, self.request = today, request
        if not can_manage:
            self.columns.hide("actions")

    def render_kind(self, value):
        from xueji.policy.services import WINDOW_KINDS

        return WINDOW_KINDS.get(value, value)

    def render_state(self, record):
        if record.start_date <= self.today <= record.end_date:
            return _badge(True, _("Open now"), "")
        if record.start_date > self.today:
            return format_html('<span class="badge text-bg-info">{}</span>', _("Upcoming"))
        return format_html('<span class="badge text-bg-secondary">{}</span>', _("Closed"))

    def render_actions(self, record):
        return render_to_string("web/_window_delete_button.html", {"window": record}, request=self.request)


# ---------------------------------------------------------------- registration

class DraftTable(Base):
    student_ids = tables.CheckBoxColumn(accessor="pk", attrs=_select_all("student_ids"))
    name = tables.Column(verbose_name=_("Full name"), linkify=("web:draft_edit", {"pk": tables.A("pk")}))
    sex = tables.Column(verbose_name=_("Sex"))
    birth_date = tables.DateColumn(verbose_name=_("Date of birth"), format="Y-m-d", attrs=NOWRAP)
    id_number = tables.Column(verbose_name=_("ID number"), default="—")
    school = tables.Column(verbose_name=_("School"))
    school_class = tables.Column(verbose_name=_("Class"), default="—", attrs=NOWRAP)
    created_at = tables.DateTimeColumn(verbose_name=_("Entered"), format="Y-m-d H:i")

    class Meta(Base.Meta):
        orderable = False

    def __init__(self, *args, user, selectable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not selectable:
            self.columns.hide("student_ids")
        if user.org_unit.is_school:
            self.columns.hide("school")

    def render_sex(self, record):
        return codes.SEX.label(record.sex)

    def render_id_number(self, record):
        return format_html('<span class="font-monospace">{}</span>', shown_id(self.user, record.id_number))


# ---------------------------------------------------------------- bulk import

class ImportTable(Base):
    file_name = tables.Column(verbose_name=_("File"), linkify=("web:import_detail", {"pk": tables.A("pk")}))
    school = tables.Column(verbose_name=_("School"))
    kind = tables.Column(verbose_name=_("Pupils"))
    status = tables.Column(verbose_name=_("Status"))
    total_rows = tables.Column(verbose_name=_("Rows"), attrs={"td": {"class": "text-end"}})
    valid_rows = tables.Column(verbose_name=_("Imported"), attrs={"td": {"class": "text-end"}})
    invalid_rows = tables.Column(verbose_name=_("Invalid"), attrs={"td": {"class": "text-end"}})
    duplicate_rows = tables.Column(verbose_name=_("Duplicates"), attrs={"td": {"class": "text-end"}})
    created_by = tables.Column(verbose_name=_("Uploaded by"))
    created_at = tables.DateTimeColumn(verbose_name=_("Uploaded"), format="Y-m-d H:i")

    class Meta(Base.Meta):
        orderable = False

    def __init__(self, *args, show_school: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_school:
            self.columns.hide("school")

    def render_kind(self, record):
        return record.get_kind_display()

    def render_status(self, record):
        return render_to_string("web/_import_status.html", {"batch": record})

    def render_duplicate_rows(self, record):
        return record.duplicate_rows + record.already_imported_rows

    def render_created_by(self, record):
        return record.created_by.full_name or record.created_by.username


# ---------------------------------------------------------------- verification and problem records

class VerificationBatchTable(Base):
    id = tables.Column(verbose_name=_("Batch"), linkify=("web:verification_detail", {"pk": tables.A("pk")}))
    org_unit = tables.Column(verbose_name=_("Scope"))
    mode = tables.Column(verbose_name=_("Mode"))
    status = tables.Column(verbose_name=_("Status"))
    total = tables.Column(verbose_name=_("Pupils"), attrs={"td": {"class": "text-end"}})
    answered = tables.Column(verbose_name=_("Answered"), attrs={"td": {"class": "text-end"}})
    counts = tables.Column(verbose_name=_("Results"), orderable=False)
    created_at = tables.DateTimeColumn(verbose_name=_("Started"), format="Y-m-d H:i")

    class Meta(Base.Meta):
        orderable = False

    def render_id(self, value):
        return f"#{value}"

    def render_mode(self, record):
        return record.get_mode_display()

    def render_status(self, record):
        return record.get_status_display()

    def render_counts(self, record):
        return render_to_string("web/_verify_counts.html", {"counts": record.counts or {}})


class ProblemTable(Base):
    id = tables.Column(verbose_name=_("Problem"), linkify=("web:problem_detail", {"pk": tables.A("pk")}))
    kind = tables.Column(verbose_name=_("Kind"))
    status = tables.Column(verbose_name=_("Status"))
    key = tables.Column(verbose_name=_("Shared identity"), orderable=False)
    schools = tables.Column(verbose_name=_("Records"), accessor="pk", orderable=False)
    source = tables.Column(verbose_name=_("Found by"))
    created_at = tables.DateTimeColumn(verbose_name=_("Found"), format="Y-m-d H:i")
    updated_at = tables.DateTimeColumn(verbose_name=_("Updated"), format="Y-m-d H:i")

    class Meta(Base.Meta):
        orderable = False

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def render_id(self, value):
        return f"#{value}"

    def render_kind(self, record):
        return record.get_kind_display()

    def render_status(self, record):
        from xueji.registration.selectors import display_status

        return render_to_string("web/_problem_status.html", {"status": display_status(record)})

    def render_key(self, record):
        return format_html('<span class="font-monospace small">{}</span>', problem_key_shown(self.user, record) or "—")

    def render_schools(self, record):
        """Each record of the problem: the pupil (ID masked unless the role needs it), class and school; a record
        outside the jurisdiction shows its school only."""
        from xueji.registration.selectors import problem_member_views

        lines = []
        for view in problem_member_views(user=self.user, problem=record):
            member, student = view.member, view.member.student
            shown = view.visible and student is not None
            lines.append({"name": (student.name if shown else member.student_name) if view.visible else "",
                          "id_number": shown_id(self.user, student.id_number) if shown else "",
                          "class_name": str(student.school_class) if shown and student.school_class_id else "",
                          "school": member.school_org.name, "visible": view.visible})
        return render_to_string("web/_problem_records.html", {"lines": lines})

    def render_source(self, value):
        from xueji.web.problem_views import SOURCE_LABELS

        return SOURCE_LABELS.get(value, value)


def problem_key_shown(user, problem) -> str:
    """What the records of a problem share: the ID number (masked unless the role needs it), or name, sex and
    date of birth of a duplicate without ID; nothing for an ID error (its record is listed below)."""
    from xueji.registration.models import ProblemKind

    if problem.kind == ProblemKind.DUPLICATE_ID:
        return shown_id(user, problem.key)
    if problem.kind == ProblemKind.DUPLICATE_NO_ID:
        parts = problem.key.split("|")
        if len(parts) == 3:
            return f"{parts[0]} · {codes.SEX.label(parts[1])} · {parts[2]}"
        return problem.key
    return ""
