"""The menu is built from the views' declared capabilities (xueji/core/capabilities.py, the declaration each page
refuses by): every entry it offers answers 200, for every role at every level; a page whose declaration refuses a
user is not offered and answers 403; each app fills the registry from its ui/navigation.py."""

import pytest
from django.urls import reverse

from xueji.accounts.permissions import declared_allows
from xueji.ui import navigation

pytestmark = pytest.mark.django_db


def _one_user_per_level_and_role(world):
    seen, users = set(), []
    for (_unit, role), user in sorted(world.users.items()):
        if (user.org_unit.kind, role) not in seen:
            seen.add((user.org_unit.kind, role))
            users.append(user)
    return users


def test_every_menu_entry_answers_200_for_every_role(world, login, client):
    """Each entry is requested once, by the first role offered it; every other role offered it is allowed it by the
    declaration its view refuses by (the jurisdiction matrix requests every page as every role and asserts each
    answer, so a request per role here would be the matrix again)."""
    requested = set()
    for user in _one_user_per_level_and_role(world):
        login(user)
        for node in navigation.menu(user):
            for item in node["items"]:
                assert navigation.view_allows(user, item["name"]) is not False, (user.username, item["name"])
                if item["name"] not in requested:
                    response = client.get(item["url"])
                    assert response.status_code == 200, (user.username, item["name"], response.status_code)
                    requested.add(item["name"])
    assert requested == {entry.url_name for entry in navigation.entries()}  # and every entry is someone's


def test_every_workbench_card_answers_200(world, login, client):
    """Every role's workbench shows its cards; each card's page is requested once (by the first role shown it)."""
    requested = set()
    for user in _one_user_per_level_and_role(world):
        html = login(user).get(reverse("ui:workbench")).content.decode()
        for card in navigation.cards(user):
            assert f'data-card="{card["key"]}"' in html
            if card["url"] not in requested:
                assert client.get(card["url"]).status_code == 200, (user.username, card["key"])
                requested.add(card["url"])
    assert requested


def test_a_page_the_declaration_refuses_is_not_offered_and_answers_403(world, login, client):
    """Every page a role may not open is missing from its menu; one of them per role is requested here (the
    jurisdiction matrix requests every URL as every role and asserts the 403 of each)."""
    refused = 0
    for user in _one_user_per_level_and_role(world):
        login(user)
        offered = {item["name"] for node in navigation.menu(user) for item in node["items"]}
        denied = [entry.url_name for entry in navigation.entries()
                  if entry.link is None and not declared_allows(user, navigation._views()[entry.url_name], "get")]
        assert not offered & set(denied), (user.username, sorted(offered & set(denied)))
        if denied:
            assert client.get(reverse(denied[refused % len(denied)])).status_code == 403, (user.username, denied)
        refused += len(denied)
    assert refused  # some role lacks some page


def test_the_menu_shows_only_what_the_roles_may_use(world, login):
    html = login(world.user("huangshan", "auditor")).get(reverse("ui:workbench")).content.decode()
    assert 'data-nav="audit:audit_list"' in html
    assert 'data-nav="registry:student_list"' not in html  # the auditor holds no student.view
    assert login(world.user("huangshan", "auditor")).get(reverse("registry:student_list")).status_code == 403


def test_the_menu_is_grouped_by_business_area_in_chinese(world, login):
    user = world.user("tunxi_primary", "registrar")
    html = login(user).get(reverse("ui:workbench")).content.decode()
    menu = html[html.index('data-testid="side-menu"'):]
    areas = [menu.index(f'data-area="{area}"')
             for area in ("registration", "records", "graduation", "problems", "configuration")]
    assert areas == sorted(areas)  # the national system's order
    assert all(label in menu for label in ("学籍注册", "学籍日常管理", "毕业升级", "问题学籍", "系统配置"))



def test_an_area_without_pages_for_the_user_is_not_shown(world, login):
    hidden = 0
    for user in _one_user_per_level_and_role(world):
        shown = {node["area"] for node in navigation.menu(user)}
        empty = [area for area in navigation.AREAS if area not in shown]
        if empty:
            html = login(user).get(reverse("ui:workbench")).content.decode()
            menu = html[html.index('data-testid="side-menu"'):]
            assert all(f'data-area="{area}"' not in menu for area in empty), user.username
            hidden += 1
    assert hidden  # some role has areas without pages (an auditor has no registration pages)


def test_the_menu_counts_waiting_work(world, login):
    registrar = world.user("tunxi_primary", "registrar")
    _enter_drafts(world, registrar, 2)
    html = login(registrar).get(reverse("ui:workbench")).content.decode()
    assert 'data-menu-count="registration:draft_list">2<' in html
    assert 'data-testid="inbox-badge">2<' in html  # the drafts are the school's 待办 too


def _enter_drafts(world, registrar, n):
    from xueji.core import clock
    from xueji.registration.tests.test_flow import pupil_row
    from xueji.registry.services import student_enter
    from xueji.registry.validation import validate_row

    for k in range(n):
        clean, errors = validate_row(pupil_row(k), today=clock.today(), require_class=False)
        assert not errors, errors
        student_enter(actor=registrar, school=world.schools["tunxi_primary"],
                      school_class=world.classes["tunxi_primary"], clean=clean)


def test_an_entry_names_a_known_area():
    with pytest.raises(ValueError, match="unknown menu area"):
        navigation.register(navigation.Entry("ui:workbench", "x", "bi-x", "nowhere"))


@pytest.mark.parametrize("url_name", ["ui:workbench", "workflow:inbox", "registry:student_list", "schools:class_list"])
def test_the_waiting_work_is_counted_once_a_page(world, login, monkeypatch, url_name):
    """The menu, the workbench's cards, the inbox page and each table's own template (django-tables2 renders it
    with the request, running the context processors again) share one count of the waiting work."""
    registrar = world.user("tunxi_primary", "registrar")
    _enter_drafts(world, registrar, 1)
    calls = []
    counted = navigation.waiting_work
    monkeypatch.setattr(navigation, "waiting_work", lambda user: calls.append(user) or counted(user))
    html = login(registrar).get(reverse(url_name)).content.decode()
    assert len(calls) == 1
    assert 'data-testid="inbox-badge">1<' in html


def test_one_entry_is_lit_the_one_matching_most_of_the_path(world):
    """/audit/evidence/ lights the compliance evidence, not also the audit log whose address is its prefix."""
    from xueji.ui.navigation import menu

    tree = menu(world.user("anhui", "auditor"), path="/audit/evidence/")
    lit = [item["name"] for node in tree for item in node["items"] if item["active"]]
    assert lit == ["audit:audit_evidence"]
    assert [node["area"] for node in tree if node["active"]] == ["operations"]
    tree = menu(world.user("anhui", "auditor"), path="/audit/17/")  # an event of the log: the log
    assert [item["name"] for node in tree for item in node["items"] if item["active"]] == ["audit:audit_list"]
