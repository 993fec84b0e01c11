"""Tables of the schools pages (django-tables2). Big lists (students, audit events) use LazyPaginator: no COUNT(*)."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.ui.tables import Base, badge


class SchoolTable(Base):
    code = tables.Column(verbose_name=_("School code"))
    name = tables.Column(verbose_name=_("Name"), linkify=("schools:school_detail", {"pk": tables.A("pk")}))
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
                                 linkify=("schools:class_detail", {"pk": tables.A("pk")}))
    school = tables.Column(verbose_name=_("School"), order_by=("school__name",))
    stage = tables.Column(verbose_name=_("Stage"))
    grade = tables.Column(verbose_name=_("Grade"), accessor="pk", orderable=False)
    head_teacher = tables.Column(verbose_name=_("Head teacher"))
    student_count = tables.Column(verbose_name=_("Enrolled students"), attrs={"td": {"class": "text-end"}})
    cap = tables.Column(verbose_name=_("Class-size cap"), accessor="pk", orderable=False)
    is_active = tables.BooleanColumn(verbose_name=_("Active"))


    class Meta(Base.Meta):
        pass

    def __init__(self, *args, school_year: int, show_school: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.school_year = school_year
        self.caps: dict = {}  # class id -> (cap, the unit that set it), filled for the page (views.with_caps)
        if not show_school:
            self.columns.hide("school")

    def render_stage(self, record):
        return codes.STAGE.label(record.stage)

    def render_grade(self, record):
        return record.grade_label(record.school.year_in_effect(self.school_year))

    def render_cap(self, record):
        cap, source = self.caps.get(record.pk, (None, None))
        if cap is None:
            return format_html('<span class="text-body-secondary">{}</span>', _("No cap"))
        return format_html('{} <span class="text-body-secondary small" data-cap-source>{}</span>',
                           _("%(cap)s pupils") % {"cap": cap}, source.name)


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
        return badge(record.is_current, _("Current"), "—")

    def render_actions(self, record):
        if record.is_current:
            return ""
        return render_to_string("schools/_set_current_button.html", {"year": record}, request=self.request)
