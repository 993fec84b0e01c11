"""The presenter's masks: one rule per personal item, masked by default, nothing stored changed."""

import pytest

from xueji.registry.presenters import Presenter, kind_of, mask_national_number, mask_text

ID = "34100220170301013X"


@pytest.mark.parametrize(("key", "kind"), [
    ("id_number", "id"), ("guardian1.id_number", "id"), ("guardian2__id_number", "id"),
    ("national_number", "national_number"), ("phone", "phone"), ("guardian1.phone", "phone"),
    ("mailing_address", "address"), ("email", "email"), ("name", None), ("ip_address", None),
    ("class_number", None),
])
def test_keys_name_their_kind_of_personal_item(key, kind):
    assert kind_of(key) == kind


def test_a_g_number_is_masked_exactly_like_the_id_and_j_l_numbers_stay_whole():
    assert mask_national_number("G" + ID) == "G3410**********013X"
    assert mask_national_number("J341002201703010013") == "J341002201703010013"
    assert mask_national_number("L3410022017030100011") == "L3410022017030100011"


def test_id_shaped_runs_in_free_text_are_masked():
    assert mask_text(f"号码{ID}与G{ID}不符") == "号码3410**********013X与G3410**********013X不符"
    assert mask_text("学籍号 L341002201703010001 与 J341002201703010013") == \
        "学籍号 L341002201703010001 与 J341002201703010013"
    assert mask_text("1234567890123456789012") == "1234567890123456789012"  # not an ID: 22 digits


def test_without_a_user_everything_is_masked_and_the_data_is_a_copy():
    stored = {"id_number": ID, "phone": "13912345678", "family": [{"id_number": ID, "name": "家长"}],
              "issued": [[7, "G" + ID]], "address": "安徽省黄山市屯溪区老街一号"}

    shown = Presenter().mapping(stored)

    assert shown == {"id_number": "3410**********013X", "phone": "139****5678",
                     "family": [{"id_number": "3410**********013X", "name": "家长"}],
                     "issued": [[7, "G3410**********013X"]], "address": "安徽省黄山市****"}
    assert stored["id_number"] == ID and stored["family"][0]["id_number"] == ID


def test_the_id_right_sees_contact_items_and_ids_only_in_an_export(world):
    """Control 29: a page's or the API's presenter masks ID numbers for every role; the ID right sees phones and
    addresses in full there, and ID numbers in full only through an audited export's presenter."""
    from xueji.registry.presenters import presenter_for, presenter_for_export

    registrar, leader = world.user("tunxi", "registrar"), world.user("tunxi", "leader")
    stored = {"id_number": ID, "national_number": "G" + ID, "phone": "13912345678", "note": f"原号 {ID}"}

    assert presenter_for(registrar).mapping(stored) == {
        "id_number": "3410**********013X", "national_number": "G3410**********013X", "phone": "13912345678",
        "note": "原号 3410**********013X"}
    assert presenter_for_export(registrar).mapping(stored) == stored
    assert presenter_for_export(leader).mapping(stored)["id_number"] == "3410**********013X"
    assert Presenter(leader).mapping({"id_number": ID}) == {"id_number": "3410**********013X"}
