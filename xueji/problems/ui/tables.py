"""The problem-record list."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.registry.selectors import shown_id
from xueji.ui.tables import Base


class ProblemTable(Base):
    id = tables.Column(verbose_name=_("Problem"), linkify=("problems:problem_detail", {"pk": tables.A("pk")}))
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
        from xueji.problems.selectors import display_status

        return render_to_string("problems/_problem_status.html", {"status": display_status(record)})

    def render_key(self, record):
        return format_html('<span class="font-monospace small">{}</span>', problem_key_shown(self.user, record) or "—")

    def render_schools(self, record):
        """Each record of the problem: the pupil (ID masked unless the role needs it), class and school; a record
        outside the jurisdiction shows its school only."""
        from xueji.problems.selectors import problem_member_views

        lines = []
        for view in problem_member_views(user=self.user, problem=record):
            member, student = view.member, view.member.student
            shown = view.visible and student is not None
            lines.append({"name": (student.name if shown else member.student_name) if view.visible else "",
                          "id_number": shown_id(self.user, student.id_number) if shown else "",
                          "class_name": str(student.school_class) if shown and student.school_class_id else "",
                          "school": member.school_org.name, "visible": view.visible})
        return render_to_string("problems/_problem_records.html", {"lines": lines})

    def render_source(self, value):
        from xueji.problems.choices import SOURCE_LABELS

        return SOURCE_LABELS.get(value, value)


def problem_key_shown(user, problem) -> str:
    """What the records of a problem share: the ID number (masked unless the role needs it), or name, sex and
    date of birth of a duplicate without ID; nothing for an ID error (its record is listed below)."""
    from xueji.problems.choices import ProblemKind

    if problem.kind == ProblemKind.DUPLICATE_ID:
        return shown_id(user, problem.id_number)  # the key is its blind index
    if problem.kind == ProblemKind.DUPLICATE_NO_ID:
        from xueji.problems.selectors import key_withheld

        if key_withheld(user=user, problem=problem):  # it names a labelled pupil (control 10)
            return ""
        parts = problem.key.split("|")
        if len(parts) == 3:
            return f"{parts[0]} · {codes.SEX.label(parts[1])} · {parts[2]}"
        return problem.key
    return ""
