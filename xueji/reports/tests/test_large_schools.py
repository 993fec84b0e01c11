"""超大规模 (oversized schools) by the province's own threshold: a province that sets a lower bar sees a school as
oversized that a province keeping the national default (2,000) does not; the province edits it on the policy
page, under its Chinese label."""

import pytest
from django.urls import reverse

from xueji.policy.services import setting_get, setting_set
from xueji.reports import selectors

KEY = selectors.LARGE_SCHOOL_SETTING


@pytest.mark.django_db
def test_a_province_with_a_lower_threshold_sees_a_school_as_oversized_that_another_does_not(world):
    setting_set(actor=world.user("anhui", "sysadmin"), key=KEY, value=1)
    anhui = selectors.large_schools(user=world.user("anhui", "leader"))
    assert "2000" not in anhui.title
    assert world.schools["tunxi_primary"].name in [row[0] for row in anhui.rows]  # its pupil reaches the bar
    jiangsu = selectors.large_schools(user=world.user("jiangsu", "leader"))
    assert setting_get(province_code="320000", key=KEY) == 2000 and "2000" in jiangsu.title
    assert jiangsu.rows == []
    setting_set(actor=world.user("jiangsu", "sysadmin"), key=KEY, value=1)
    assert len(selectors.large_schools(user=world.user("jiangsu", "leader")).rows) == 1
    assert selectors.large_schools(user=world.user("anhui", "leader")).rows == anhui.rows  # each its own


@pytest.mark.django_db
def test_the_province_edits_the_threshold_on_the_policy_page(world, login):
    client = login(world.user("anhui", "sysadmin"))
    html = client.get(reverse("policy:setting_list")).content.decode()
    assert 'name="large_school_pupils" value="2000"' in html and "超大规模" in html
    response = client.post(reverse("policy:setting_list"),
                           {"proof_max_mb": "2", "import_max_mb": "100", "large_school_pupils": "1500"})
    assert response.status_code == 302
    assert setting_get(province_code="340000", key=KEY) == 1500
    refused = client.post(reverse("policy:setting_list"),
                          {"proof_max_mb": "2", "import_max_mb": "100", "large_school_pupils": "0"})
    assert refused.status_code == 200 and setting_get(province_code="340000", key=KEY) == 1500
    # The export controls of the same page (exchange.exports): the approval threshold and the encryption.
    assert 'name="export_approval_rows" value="1000"' in html
    client.post(reverse("policy:setting_list"), {"proof_max_mb": "2", "import_max_mb": "100",
                                                 "export_approval_rows": "50", "export_encrypt": "on"})
    assert setting_get(province_code="340000", key="export.approval_rows") == 50
    assert setting_get(province_code="340000", key="export.encrypt") is True
    assert setting_get(province_code="320000", key="export.encrypt") is False


@pytest.mark.django_db
def test_the_chart_reads_the_top_schools_and_a_count_whatever_their_number(world, monkeypatch,
                                                                             django_assert_num_queries):
    setting_set(actor=world.user("anhui", "sysadmin"), key=KEY, value=1)
    leader = world.user("anhui", "leader")
    everyone = selectors.large_schools(user=leader)
    assert len(everyone.rows) >= 3 and f"共 {len(everyone.rows)} 所" in everyone.title
    monkeypatch.setattr(selectors, "TOP_SCHOOLS", 2)
    with django_assert_num_queries(4):  # the threshold, the top rows, the count, the names
        top = selectors.large_schools(user=leader)
    assert top.rows == everyone.rows[:2] and top.title == everyone.title  # two read, all counted
