"""Tables of the web UI (django-tables2). Big lists (students, audit events) use LazyPaginator: no COUNT(*)."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import Role
from xueji.accounts.services import user_is_locked
from xueji.core import codes
from xueji.registry.selectors import shown_id

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
    birth_date = tables.DateColumn(verbose_name=_("Date of birth"), format="Y-m-d")
    id_number = tables.Column(verbose_name=_("ID number"), default="—")
    school = tables.Column(verbose_name=_("School"))
    school_class = tables.Column(verbose_name=_("Class"), default="—")
    status = tables.Column(verbose_name=_("Status"))

    class Meta(Base.Meta):
        orderable = False  # millions of rows: the list keeps the selector's indexed order

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def render_sex(self, record):
        return codes.SEX.label(record.sex)

    def render_id_number(self, record):
        # Sensitive personal information of minors: only ever through shown_id (masked unless the role needs it).
        return format_html('<span class="font-monospace">{}</span>', shown_id(self.user, record.id_number))

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

    def render_locked(self, record):
        if user_is_locked(record):  # only the rows of the page shown
            return format_html('<span class="badge text-bg-danger"><i class="bi bi-lock-fill"></i> {}</span>',
                               _("Locked"))
        return "—"


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

    def render_action(self, value):
        return format_html('<code>{}</code>', value)

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
