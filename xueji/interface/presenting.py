"""A pupil as a client receives it: the items of its field profile only, personal items through the one presenter
(xueji/registry/presenters.py) masked unless the profile unmasks them. `id` and `updated_at` always come."""

from xueji.interface.choices import PERSONAL, Item
from xueji.interface.models import ApiClient
from xueji.registry.models import Student
from xueji.registry.presenters import Presenter, presenter_for_profile


def presenter_of(client: ApiClient) -> Presenter:
    return presenter_for_profile({PERSONAL[Item(item)] for item in client.unmasked})


def _value(pupil: Student, item: str, shown: Presenter):
    if item == Item.ID_NUMBER:
        return shown.id_number(pupil.id_number)
    if item == Item.NATIONAL_NUMBER:
        return shown.national_number(pupil.national_number)
    if item == Item.PHONE:
        return shown.phone(pupil.phone)
    if item == Item.ADDRESS:
        return shown.address(pupil.address)
    if item == Item.SCHOOL:
        return {"code": pupil.school.code, "name": pupil.school.name}
    if item == Item.SCHOOL_CLASS:
        return str(pupil.school_class) if pupil.school_class_id else None
    value = getattr(pupil, item)
    return value.isoformat() if hasattr(value, "isoformat") else value


def pupil_data(pupil: Student, client: ApiClient, shown: Presenter | None = None) -> dict:
    shown = shown or presenter_of(client)
    data = {"id": pupil.pk, "updated_at": pupil.updated_at.isoformat()}
    data.update({item: _value(pupil, item, shown) for item in client.items})
    return data
