"""Tables of the admission lists (django-tables2): sortable, paged with their total."""

import django_tables2 as tables
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.registry.presenters import presenter_for
from xueji.ui.tables import NOWRAP, Base


class PlanTable(Base):
    school = tables.Column(verbose_name=_("School"), order_by=("school__code",))
    stage = tables.Column(verbose_name=_("Stage"))
    year = tables.Column(verbose_name=_("Year"), attrs=NOWRAP)
    quota = tables.Column(verbose_name=_("Places"), attrs=NOWRAP)
    admitted = tables.Column(verbose_name=_("Admitted"), attrs=NOWRAP)
    left = tables.Column(verbose_name=_("Places left"), accessor="quota", orderable=False, attrs=NOWRAP)
    note = tables.Column(verbose_name=_("Note"), default="—")
    updated_at = tables.DateTimeColumn(verbose_name=_("Updated"), format="Y-m-d H:i", attrs=NOWRAP)

    def __init__(self, *args, editable: bool = False, **kwargs):
        self.editable = editable
        super().__init__(*args, **kwargs)

    def render_school(self, record):
        return f"{record.school.code} {record.school.name}"

    def render_stage(self, value):
        return codes.STAGE.label(value)

    def render_quota(self, record):
        if not self.editable:
            return record.quota
        return render_to_string("admissions/_plan_inline.html", {
            "plan": record, "csrf_token": get_token(self.request), "action": reverse("admissions:plan_list")})

    def render_left(self, record):
        return record.quota - record.admitted


def _status(record):
    return render_to_string("admissions/_status.html", {"status": record.status,
                                                        "label": record.get_status_display()})


class AdmissionTable(Base):
    name = tables.Column(verbose_name=_("Pupil"))
    id_number = tables.Column(verbose_name=_("ID number"), orderable=False)
    school = tables.Column(verbose_name=_("Admitting school"), order_by=("school__code",))
    stage = tables.Column(verbose_name=_("Stage"))
    school_class = tables.Column(verbose_name=_("Class"), orderable=False)
    status = tables.Column(verbose_name=_("Status"))
    record = tables.Column(verbose_name=_("Record"), accessor="student_id", orderable=False, empty_values=())
    created_at = tables.DateTimeColumn(verbose_name=_("Admitted"), format="Y-m-d H:i", attrs=NOWRAP)

    def render_id_number(self, value):
        return presenter_for(self.request.user).id_number(value)

    def render_school(self, value):
        return value.name

    def render_stage(self, value):
        return codes.STAGE.label(value)

    def render_school_class(self, value):
        return value.display_name

    def render_status(self, record):
        return _status(record)

    def render_record(self, value):
        return render_to_string("admissions/_record_link.html", {"pk": value})


class DuplicateTable(AdmissionTable):
    others = tables.Column(verbose_name=_("Other admissions"), orderable=False)
    actions = tables.Column(verbose_name="", accessor="pk", orderable=False)

    def render_actions(self, record):
        return render_to_string("admissions/_duplicate_actions.html", {
            "admission": record, "csrf_token": get_token(self.request)})


class BatchTable(Base):
    file_name = tables.Column(verbose_name=_("File"), linkify=("admissions:batch_detail", {"pk": tables.A("pk")}))
    year = tables.Column(verbose_name=_("Year"))
    status = tables.Column(verbose_name=_("Result"))
    total_rows = tables.Column(verbose_name=_("Rows"))
    admitted_rows = tables.Column(verbose_name=_("Admitted"))
    held_rows = tables.Column(verbose_name=_("Held as duplicates"))
    already_rows = tables.Column(verbose_name=_("Admitted before"))
    error_count = tables.Column(verbose_name=_("Errors"))
    created_at = tables.DateTimeColumn(verbose_name=_("Imported"), format="Y-m-d H:i", attrs=NOWRAP)

    def render_status(self, record):
        return record.get_status_display()


class PlanChangeTable(Base):
    id = tables.Column(verbose_name=_("No."), attrs=NOWRAP)
    title = tables.Column(verbose_name=_("Request"))
    status = tables.Column(verbose_name=_("Status"))
    filer_org = tables.Column(verbose_name=_("Filed by"), order_by=("filer_org__name",))
    created_at = tables.DateTimeColumn(verbose_name=_("Filed"), format="Y-m-d H:i", attrs=NOWRAP)
    decide = tables.Column(verbose_name="", accessor="pk", orderable=False)

    def __init__(self, *args, deciding: bool = False, **kwargs):
        self.deciding = deciding
        super().__init__(*args, **kwargs)

    def render_id(self, value):
        return f"#{value}"

    def render_status(self, record):
        return render_to_string("workflow/_request_status.html", {"status": record.status,
                                                                  "label": record.get_status_display()})

    def render_decide(self, record):
        if not (self.deciding and record.waiting and record.status == "pending"):
            return "—"
        return render_to_string("admissions/_decide.html", {"request_obj": record,
                                                            "csrf_token": get_token(self.request)})


class CatchmentTable(Base):
    stage = tables.Column(verbose_name=_("Stage"))
    area = tables.Column(verbose_name=_("Area (addresses beginning with)"))
    school = tables.Column(verbose_name=_("School"), order_by=("school__code",))
    created_at = tables.DateTimeColumn(verbose_name=_("Updated"), format="Y-m-d H:i", attrs=NOWRAP)
    delete = tables.Column(verbose_name="", accessor="pk", orderable=False)

    def render_stage(self, value):
        return codes.STAGE.label(value)

    def render_school(self, value):
        return f"{value.code} {value.name}"

    def render_delete(self, record):
        return render_to_string("admissions/_catchment_delete.html", {"catchment": record,
                                                                      "csrf_token": get_token(self.request)})


class EntryTable(Base):
    """毕业后跨省就学: the entries with their state (the pupil masked: its record is not here before the file)."""

    request_id = tables.Column(verbose_name=_("No."), linkify=("admissions:entry_detail", [tables.A("request_id")]),
                               attrs=NOWRAP)
    name = tables.Column(verbose_name=_("Name"))
    national_number = tables.Column(verbose_name=_("National student number"), orderable=False, default="—")
    side = tables.Column(verbose_name=_("Side"))
    school = tables.Column(verbose_name=_("School"), order_by=("school__code",))
    peer_school_name = tables.Column(verbose_name=_("Other province's school"), default="—")
    school_class = tables.Column(verbose_name=_("Class"), orderable=False, default="—")
    state = tables.Column(verbose_name=_("State"))
    filed_at = tables.DateTimeColumn(verbose_name=_("Filed"), format="Y-m-d H:i", attrs=NOWRAP)

    def render_national_number(self, value):
        return presenter_for(None).national_number(value) or "—"

    def render_side(self, record):
        return record.get_side_display()

    def render_school(self, record):
        return record.school.name

    def render_school_class(self, record):
        return record.school_class.display_name

    def render_state(self, record):
        return record.get_state_display()
