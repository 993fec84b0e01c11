"""The array literals of the bulk writes: every text comes back as it went in, quotes, backslashes, braces, commas,
the word NULL and None included."""

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from xueji.core.db import int_array, text_array

AWKWARD = ['a"b', "c\\d", None, "", "NULL", "null", "it's", "{x,y}", " sp ", "中文", "\\", '"', "a,b", "\t\n"]


def test_literals_are_postgres_array_syntax():
    assert int_array([3, 1, 2]) == "{3,1,2}"
    assert int_array([]) == "{}"
    assert text_array(['a"b', None, "c\\d"]) == '{"a\\"b",NULL,"c\\\\d"}'


needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's array input")


@needs_postgres
@pytest.mark.django_db
def test_awkward_texts_round_trip():
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[], %s::bigint[]", [text_array(AWKWARD), int_array([1, -2, 2**40])])
        texts, ints = cursor.fetchone()
    assert texts == AWKWARD
    assert ints == [1, -2, 2**40]


@needs_postgres
@pytest.mark.django_db
@given(st.lists(st.one_of(st.none(), st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                                                        blacklist_characters="\x00")))))
def test_any_texts_round_trip(values):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [text_array(values)])
        assert (cursor.fetchone()[0] or []) == values
