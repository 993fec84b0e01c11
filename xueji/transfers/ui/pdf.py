"""The printable transfer form (转学申请表 / 转学联系单) as PDF, for the paper file of both schools.

WeasyPrint lays out an HTML template (`transfers/form.html`), as the record card does (registry/ui/card.py): the
pupil, the two schools, the class, the distance, every step of the route with its decision, decider and date, the
proofs attached, and a blank for each party's stamp. Values through the viewer's presenter: a receiving school
prints the pupil of another school masked, as its page shows it."""

from django.template.loader import render_to_string

from xueji.core import clock


def form_html(request, **context) -> str:
    return render_to_string("transfers/form.html", {**context, "printed_at": clock.now(),
                                                    "printed_by": request.user})


def form_pdf(request, **context) -> bytes:
    from weasyprint import HTML  # imported on first use: it loads pango and the fonts

    return HTML(string=form_html(request, **context)).write_pdf()
