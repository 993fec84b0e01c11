"""The printable record card (学籍卡 / 学生信息表) as PDF.

WeasyPrint lays out an HTML template (`registry/card.html`) with CSS paged media: the national form's groups as
label/value tables, the family members, the school's name and the print date in the header and footer of every
page. Its text goes through pango and fontconfig, so the Chinese text is shaped with the system's Noto CJK fonts
(Debian's fonts-noto-cjk) and embedded as a subset: the file prints the same on any computer. The values are those
of the page (`registry.display`, through the viewer's presenter): the card is masked exactly as the screen is."""

from django.template.loader import render_to_string

from xueji.core import clock
from xueji.registry.presenters import presenter_for


def _pairs(items: list, per_row: int = 2) -> list[list]:
    """A group's (label, value) items laid out two to a row, as on the paper form."""
    return [items[i:i + per_row] for i in range(0, len(items), per_row)]


def card_html(request, *, student, as_of, form_groups, **context) -> str:
    return render_to_string("registry/card.html", {
        **context, "student": student, "as_of": as_of, "printed_at": clock.now(), "printed_by": request.user,
        "school": student.school, "groups": [(group, _pairs(items)) for group, items in form_groups],
        "masked": not presenter_for(request.user).full})


def card_pdf(request, *, student, as_of, **context) -> bytes:
    from weasyprint import HTML  # imported on first use: it loads pango and the fonts

    return HTML(string=card_html(request, student=student, as_of=as_of, **context)).write_pdf()
