"""Tables of the attendance pages (django-tables2): sortable, paged with their total."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.ui.tables import NOWRAP, Base


def _pupil(student):
    return format_html('<a href="{}">{}</a>', reverse("registry:student_detail", args=[student.pk]), student.name)


class ClassTable(Base):
    name = tables.Column(verbose_name=_("Class"), accessor="pk", order_by=("stage", "cohort_year", "number"))
    school = tables.Column(verbose_name=_("School"), order_by=("school__name",))
    absent = tables.Column(verbose_name=_("Absent that day"))

    def __init__(self, *args, day=None, **kwargs):
        self.day = day
        super().__init__(*args, **kwargs)

    def render_name(self, record):
        url = reverse("attendance:class_grid", args=[record.pk])
        return format_html('<a href="{}?date={}">{} {}</a>', url, self.day.isoformat() if self.day else "",
                           codes.STAGE.label(record.stage), record.display_name)


class CaseTable(Base):
    id = tables.Column(verbose_name=_("No."), attrs=NOWRAP, linkify=("attendance:case_detail", {"pk": tables.A("pk")}))
    student = tables.Column(verbose_name=_("Pupil"), order_by=("student__name_pinyin",))
    county = tables.Column(verbose_name=_("County authority"), order_by=("county__code",))
    school = tables.Column(verbose_name=_("School"), order_by=("school__name",))
    reason = tables.Column(verbose_name=_("Reason"))
    days = tables.Column(verbose_name=_("Days absent"))
    opened_on = tables.DateColumn(verbose_name=_("Opened"), format="Y-m-d", attrs=NOWRAP)
    status = tables.Column(verbose_name=_("Status"))
    closed_on = tables.DateColumn(verbose_name=_("Closed"), format="Y-m-d", default="—", attrs=NOWRAP)

    def render_id(self, value):
        return f"#{value}"

    def render_student(self, value):
        return _pupil(value)


class PupilTable(Base):
    name = tables.Column(verbose_name=_("Pupil"), order_by=("name_pinyin",))
    sex = tables.Column(verbose_name=_("Sex"))
    birth_date = tables.DateColumn(verbose_name=_("Date of birth"), format="Y-m-d", attrs=NOWRAP)
    school = tables.Column(verbose_name=_("School"), order_by=("school__name",))
    school_class = tables.Column(verbose_name=_("Class"), order_by=("school_class__cohort_year",), default="—")

    def render_name(self, record):
        return _pupil(record)

    def render_sex(self, value):
        return codes.SEX.label(value)

    def render_school_class(self, value):
        return value.display_name


class LeftBehindTable(PupilTable):
    has_entry = tables.Column(verbose_name=_("This term's entry"), orderable=True)
    edit = tables.Column(verbose_name="", empty_values=(), orderable=False)

    def render_has_entry(self, value):
        return _("Updated") if value else _("Not updated yet")

    def render_edit(self, record):
        return format_html('<a class="btn btn-sm btn-outline-primary" href="{}">{}</a>',
                           reverse("attendance:left_behind_edit", args=[record.pk]), _("Register"))


class ReportTable(Base):
    id = tables.Column(verbose_name=_("No."), attrs=NOWRAP,
                       linkify=("attendance:report_detail", {"pk": tables.A("pk")}))
    org_unit = tables.Column(verbose_name=_("Unit"), order_by=("org_unit__path",))
    month = tables.DateColumn(verbose_name=_("Month"), format="Y-m")
    status = tables.Column(verbose_name=_("Status"))
    signed_by = tables.Column(verbose_name=_("Signed by"), default="—")
    submitted_at = tables.DateTimeColumn(verbose_name=_("Submitted"), format="Y-m-d H:i", default="—")
    late = tables.BooleanColumn(verbose_name=_("Late"))

    def render_id(self, value):
        return f"#{value}"


class MisuseTable(Base):
    id = tables.Column(verbose_name=_("No."), attrs=NOWRAP,
                       linkify=("attendance:misuse_detail", {"pk": tables.A("pk")}))
    about_unit = tables.Column(verbose_name=_("Unit concerned"), order_by=("about_unit__path",))
    handler_unit = tables.Column(verbose_name=_("Handled by"), order_by=("handler_unit__path",))
    status = tables.Column(verbose_name=_("Status"))
    created_at = tables.DateTimeColumn(verbose_name=_("Filed"), format="Y-m-d H:i", attrs=NOWRAP)

    def render_id(self, value):
        return f"#{value}"
