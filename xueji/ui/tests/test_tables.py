"""The tables' rows rendered in Python (xueji.ui.tables.Base.tbody_html, the template ui/table.html) are the HTML
django-tables2's own bootstrap5 template renders, cell for cell: values escaped unless safe, links, `localize`,
attributes fixed or computed per cell, the even/odd classes, the empty text."""

import datetime as dt
import re

import django_tables2 as tables
import pytest
from django.template.loader import get_template
from django.test import RequestFactory
from django.utils.html import format_html

from xueji.ui.tables import NOWRAP, Base


class Row(dict):
    pk = 0


class Sample(Base):
    name = tables.Column(linkify=lambda record: f"/x/{record['n']}/")
    text = tables.Column()  # plain text: escaped
    html = tables.Column()  # a render method's safe HTML: kept
    day = tables.Column(attrs=NOWRAP)
    amount = tables.Column(localize=True, attrs={"td": {"class": "text-end"}})
    raw = tables.Column(localize=False)
    flag = tables.BooleanColumn()
    dyn = tables.Column(accessor="n", attrs={"td": {"data-n": lambda value: value, "class": "c"}})
    missing = tables.Column(default="—")

    class Meta(Base.Meta):
        pass

    def render_html(self, value):
        return format_html("<b>{}</b>", value)


def _rows(n: int) -> list[dict]:
    return [{"n": i, "name": f"名{i}", "text": f"<i>{i} & co</i>", "html": f"<{i}>", "day": dt.date(2020, 1, i + 1),
             "amount": 1234.5 + i, "raw": 9876.5, "flag": i % 2 == 0, "missing": None} for i in range(n)]


def _normal(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def _both(table_class, data) -> tuple[str, str]:
    request = RequestFactory().get("/")
    ours = table_class(data)
    ours.request = request
    theirs = table_class(data)
    theirs.request = request
    return (_normal(get_template("ui/table.html").render({"table": ours}, request)),
            _normal(get_template("django_tables2/bootstrap5.html").render({"table": theirs}, request)))


@pytest.mark.parametrize("rows", [0, 1, 5])
def test_the_rows_are_django_tables2s(rows):
    ours, theirs = _both(Sample, _rows(rows))
    assert ours == theirs
    if rows:
        assert "&lt;i&gt;0 &amp; co&lt;/i&gt;" in ours and "<b>&lt;0&gt;</b>" in ours and 'href="/x/0/"' in ours
        assert 'data-n="0"' in ours and 'class="even"' in ours


def test_the_empty_text_spans_the_columns():
    ours, theirs = _both(Sample, [])
    assert ours == theirs
    assert '<td colspan="9">' in ours


@pytest.mark.django_db
def test_a_model_table_renders_the_same(world):
    """A page's table over model rows (links by URL name, choices, related objects, a render method)."""
    from xueji.registry.models import Student
    from xueji.registry.ui.tables import StudentTable

    user = world.user("tunxi_primary", "registrar")
    students = list(Student.objects.select_related("school", "school_class").order_by("pk")[:5])
    assert students
    ours, theirs = _both(lambda data: StudentTable(data, user=user), students)
    assert ours == theirs
