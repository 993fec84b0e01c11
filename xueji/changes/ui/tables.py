"""Tables of the change lists (django-tables2): sortable, paged with their total."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from xueji.changes.choices import RECORD_TYPE, kind_label, reason_label
from xueji.core import codes
from xueji.ui.tables import NOWRAP, Base


class ChangeRequestTable(Base):
    id = tables.Column(verbose_name=_("No."), attrs=NOWRAP)
    title = tables.Column(verbose_name=_("Request"), linkify=("workflow:request_detail", {"pk": tables.A("pk")}))
    what = tables.Column(verbose_name=_("Kind of change"), accessor="type", order_by=("type",))
    status = tables.Column(verbose_name=_("Status"))
    filer_org = tables.Column(verbose_name=_("Filed by"), order_by=("filer_org__name",))
    created_at = tables.DateTimeColumn(verbose_name=_("Filed"), format="Y-m-d H:i", attrs=NOWRAP)
    updated_at = tables.DateTimeColumn(verbose_name=_("Updated"), format="Y-m-d H:i", attrs=NOWRAP)

    def render_id(self, value):
        return f"#{value}"

    def render_title(self, record):
        return record.shown_title  # a labelled pupil's name withheld from the uncleared (workflow/labels.py)

    def render_what(self, record):
        if record.type == RECORD_TYPE:
            return _("Record change")
        kind = (record.payload or {}).get("kind", "")
        return f"{(record.payload or {}).get('type', '')} {kind_label(kind)}"

    def render_status(self, record):
        return render_to_string("workflow/_request_status.html", {"status": record.status,
                                                                  "label": record.get_status_display()})


def _pupil_link(student):
    return format_html('<a href="{}">{}</a>', reverse("registry:student_detail", args=[student.pk]), student.name)


class StatusChangeTable(Base):
    effective_date = tables.DateColumn(verbose_name=_("Effective"), format="Y-m-d", attrs=NOWRAP)
    student = tables.Column(verbose_name=_("Pupil"), order_by=("student__name_pinyin",))
    school = tables.Column(verbose_name=_("School"), order_by=("school__name",))
    kind = tables.Column(verbose_name=_("Kind of change"), order_by=("type_code", "kind"))
    reason_code = tables.Column(verbose_name=_("Reason of the change"))
    statuses = tables.Column(verbose_name=_("Status"), accessor="new_status", orderable=False)
    classes = tables.Column(verbose_name=_("Class"), accessor="new_class_id", orderable=False, default="—")
    keep_until = tables.DateColumn(verbose_name=_("Record kept until"), format="Y-m-d", default="—")
    request = tables.Column(verbose_name=_("Request"), accessor="request_id", orderable=False,
                            linkify=lambda record: reverse("workflow:request_detail", args=[record.request_id]))

    def render_student(self, value):
        return _pupil_link(value)

    def render_kind(self, record):
        return f"{record.type_code} {kind_label(record.kind)}"

    def render_reason_code(self, value):
        return f"{value} {reason_label(value)}"

    def render_statuses(self, record):
        old, new = codes.STUDENT_STATUS.label(record.old_status), codes.STUDENT_STATUS.label(record.new_status)
        return old if old == new else f"{old} → {new}"

    def render_classes(self, record):
        old = record.old_class.display_name if record.old_class else "—"
        new = record.new_class.display_name if record.new_class else "—"
        return old if old == new else f"{old} → {new}"

    def render_request(self, value):
        return f"#{value}"


class DropoutTable(Base):
    name = tables.Column(verbose_name=_("Pupil"), order_by=("name_pinyin",))
    sex = tables.Column(verbose_name=_("Sex"))
    birth_date = tables.DateColumn(verbose_name=_("Date of birth"), format="Y-m-d", attrs=NOWRAP)
    county = tables.Column(verbose_name=_("County authority"), accessor="school__county__name",
                           order_by=("school__county__code",))
    school = tables.Column(verbose_name=_("School"), order_by=("school__name",))
    school_class = tables.Column(verbose_name=_("Class"), order_by=("school_class__cohort_year",), default="—")
    dropped_on = tables.DateColumn(verbose_name=_("Dropped out"), format="Y-m-d", default="—", attrs=NOWRAP)
    dropout_reason = tables.Column(verbose_name=_("Reason of the change"), default="—")

    def render_name(self, record):
        return _pupil_link(record)

    def render_sex(self, value):
        return codes.SEX.label(value)

    def render_school_class(self, record):
        klass = record.school_class
        return f"{codes.STAGE.label(klass.stage)} {klass.display_name}"

    def render_dropout_reason(self, value):
        return f"{value} {reason_label(value)}"
