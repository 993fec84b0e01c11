"""Labels of request types and parties follow the reader's language (issue 7, item 17): the inbox in Chinese by
default and in English after the switch, the request API per Accept-Language (Chinese when absent). A request's
stored title stays in Chinese whoever filed it."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from xueji.workflow.resolvers import RESOLVERS
from xueji.workflow.tests.test_pages_inbox import _request
from xueji.workflow.types import all_types

pytestmark = pytest.mark.django_db


def _inbox_cells(html: str) -> str:
    table = html[html.index("<tbody"):html.index("</tbody>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table))


def test_the_inbox_shows_type_and_party_in_the_readers_language(world, window, login):
    _request(world, 1)
    client = login(world.user("tunxi_primary", "leader"))

    chinese = _inbox_cells(client.get(reverse("workflow:inbox")).content.decode())
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = _inbox_cells(client.get(reverse("workflow:inbox")).content.decode())

    assert "在校生注册：" in chinese and " 在校生注册 " in chinese and "本校" in chinese
    assert "在校生注册：" in english  # the stored title
    assert "Registration of pupils at school" in english and " 在校生注册 " not in english
    assert "The filing school" in english and "本校" not in english


@pytest.mark.parametrize(("language", "type_label", "party"), [
    (None, "在校生注册", "本校"),
    ("en-US,en;q=0.8", "Registration of pupils at school", "The filing school"),
])
def test_the_request_api_shows_type_and_parties_in_the_language_of_the_request(world, window, login, language,
                                                                               type_label, party):
    request = _request(world, 1)
    client = login(world.user("tunxi_primary", "leader"))
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}

    body = client.get(reverse("api:request-detail", args=[request.pk]), **headers).json()

    assert body["type_label"] == type_label and body["steps"][0]["party"] == party
    assert body["title"].startswith("在校生注册：")


def test_every_request_type_and_party_has_a_chinese_label():
    labels = {**{t.code: t.label for t in all_types()}, **{code: p.label for code, p in RESOLVERS.items()}}
    with translation.override("zh-hans"):
        chinese = {code: str(label) for code, label in labels.items()}
    with translation.override("en"):
        english = {code: str(label) for code, label in labels.items()}

    assert sorted(code for code in labels if chinese[code] == english[code]) == []
    assert chinese["problem.arbitrate"] == "重复身份证件号仲裁" and chinese["destination_school"] == "转入学校"
