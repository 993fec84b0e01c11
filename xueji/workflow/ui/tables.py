"""Tables of the workflow pages (django-tables2). Big lists (students, audit events) use LazyPaginator: no COUNT(*)."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.registry.presenters import presenter_for
from xueji.ui.tables import NOWRAP, Base, select_all

# ---------------------------------------------------------------- approval engine

def _request_type_label(code: str) -> str:
    from xueji.workflow.types import request_type

    try:
        return request_type(code).label
    except Exception:  # noqa: BLE001 - a type no longer registered still lists
        return code



def request_url(request) -> str:
    """A request's page: its type's own page if it has one (a transfer's), else the engine's."""
    from xueji.workflow.types import page_of

    return page_of(request) or reverse("workflow:request_detail", args=[request.pk])


class RequestTable(Base):
    title = tables.Column(verbose_name=_("Request"), linkify=lambda record: request_url(record))
    type = tables.Column(verbose_name=_("Type"))
    filer_org = tables.Column(verbose_name=_("Filed by"), orderable=False)
    status = tables.Column(verbose_name=_("Status"))
    round = tables.Column(verbose_name=_("Round"), attrs={"td": {"class": "text-end"}})
    created_at = tables.DateTimeColumn(verbose_name=_("Filed"), format="Y-m-d H:i")
    updated_at = tables.DateTimeColumn(verbose_name=_("Updated"), format="Y-m-d H:i")

    class Meta(Base.Meta):
        orderable = False

    def render_title(self, record):
        return record.shown_title  # a labelled pupil's name withheld from the uncleared (workflow/labels.py)

    def render_type(self, value):
        return _request_type_label(value)

    def render_status(self, record):
        return render_to_string("workflow/_request_status.html", {"status": record.status,
                                                                  "label": record.get_status_display()})


class InboxTable(Base):
    """待办: the pending steps the user may decide; the checkbox carries the request id (bulk approval)."""

    requests = tables.CheckBoxColumn(accessor="request_id", attrs=select_all("requests"))
    title = tables.Column(verbose_name=_("Request"), accessor="request__title",
                          linkify=lambda record: request_url(record.request))
    type = tables.Column(verbose_name=_("Type"), accessor="request__type")
    filer_org = tables.Column(verbose_name=_("Filed by"), accessor="request__filer_org")
    step = tables.Column(verbose_name=_("Your step"), accessor="order")
    created_at = tables.DateTimeColumn(verbose_name=_("Filed"), accessor="request__created_at", format="Y-m-d H:i")

    class Meta(Base.Meta):
        orderable = False

    def render_title(self, record):
        record.request.pupil_withheld = getattr(record, "pupil_withheld", False)  # annotated on the step
        return record.request.shown_title

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
                               reverse("registration:draft_edit", args=[record.pk]), record.name)
        return format_html('<a href="{}">{}</a>', reverse("registry:student_detail", args=[record.pk]), record.name)

    def render_sex(self, record):
        return codes.SEX.label(record.sex)

    def render_id_number(self, record):
        return format_html('<span class="font-monospace">{}</span>', self.shown.id_number(record.id_number))
