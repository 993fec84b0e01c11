"""What a user sees of a pupil's personal items (个人敏感信息): the one place that decides.

Pupils under 14 are sensitive personal information (PIPL). Every path that shows a pupil (API serializers,
pages, tables, exports, request payloads, audit views, search answers) asks a `Presenter` for the user, and
the presenter answers masked values. Masked is the default: a presenter built without a user (a serializer
without a request, a forgotten argument) masks everything.

Resident ID numbers (the pupil's, the family's, a G number, ID-shaped text) are masked on every page and API for
every role, the pupil's own school registrar included (control 29): they are read in full only through the
unmask action, which asks a reason and audits it (`registry.access_log.student_unmask`, POST
/students/<pk>/unmask/ and /api/v1/students/<pk>/unmask/). The holders of `Cap.STUDENT_VIEW_ID` see the contact
items (phone, address, e-mail) in full, their daily work with the family; a presenter built with `ids=True`
(`presenter_for_export`) shows their ID numbers in full too, and only audited export flows with controls of their
own build one (the pupil export: watermark, trace code, `export.full_id_approval`; the aid lists' export).

What is masked:
- resident ID numbers (pupils and guardians): `3410**********508X`, first and last 4 kept;
- national student numbers: a `G` number is `G` + the resident ID, so it is masked exactly like the ID
  (`G3410**********508X`). `J` and `L` numbers are shown in full: they are issued by the education system
  and carry no identity document, only an area code and a birth date the record shows anyway, and a
  leader needs one full number to name a pupil (number lookup, a transfer, a call to the school);
- phones (`138****5678`), addresses (the first 6 characters: province and city), e-mail addresses.

Besides the keys it knows, `mapping` and `text` mask anything in free text that is shaped like a resident
ID (17 digits and a check character, alone or after a `G`): audit rows and request payloads hold numbers
under keys no one listed (`number.issue` keeps `[pupil, G number]` pairs), and they must not leak either.
"""

import re
from collections.abc import Mapping
from typing import Any

from xueji.accounts.permissions import Cap, has_cap
from xueji.core.idnumbers import mask as mask_id

# An ID-shaped run anywhere in a text: not inside a longer run of digits, not the body of a J or L number.
_ID_IN_TEXT = re.compile(r"(?<![0-9JLjl])([0-9]{17}[0-9Xx])(?![0-9])")

# Personal items by key (the last part of a dotted or double-underscored name: `guardian1.id_number`).
ID_KEYS = frozenset({"id_number", "key_id_number"})
NUMBER_KEYS = frozenset({"national_number", "number"})
PHONE_KEYS = frozenset({"phone", "mobile", "contact_phone"})
ADDRESS_KEYS = frozenset({"address", "mailing_address", "family_address", "home_address"})
EMAIL_KEYS = frozenset({"email"})


def _field(key: str) -> str:
    return str(key).replace("__", ".").rsplit(".", 1)[-1].lower()


def kind_of(key: str) -> str | None:
    """The kind of personal item a key names (`id`, `national_number`, `phone`, `address`, `email`), or None."""
    name = _field(key)
    if name in ID_KEYS or name.endswith("_id_number"):
        return "id"
    if name in NUMBER_KEYS or name.endswith("_national_number"):
        return "national_number"
    if name in PHONE_KEYS or name.endswith("_phone"):
        return "phone"
    if name in ADDRESS_KEYS or (name.endswith("_address") and not name.startswith("ip")):
        return "address"
    if name in EMAIL_KEYS:
        return "email"
    return None


def mask_national_number(number: str | None) -> str:
    """A G number is G + the resident ID: masked like the ID. J and L numbers stay whole (see the module)."""
    if not number:
        return ""
    if number[:1].upper() == "G":
        return number[0] + mask_id(number[1:])
    return mask_text(number)


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    if len(phone) >= 11:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    if len(phone) > 4:
        return phone[:2] + "*" * (len(phone) - 4) + phone[-2:]
    return "*" * len(phone)


def mask_address(address: str | None) -> str:
    if not address:
        return ""
    keep = 6 if len(address) > 8 else min(2, len(address) // 2)
    return address[:keep] + "****"


def mask_email(email: str | None) -> str:
    if not email:
        return ""
    local, at, domain = email.partition("@")
    return (local[:1] + "***" + at + domain) if at else mask_address(email)


def mask_text(text: str) -> str:
    """Every ID-shaped run in a text masked (a G number's body too)."""
    return _ID_IN_TEXT.sub(lambda m: mask_id(m.group(1)), text)


_MASKS = {"id": mask_id, "national_number": mask_national_number, "phone": mask_phone,
          "address": mask_address, "email": mask_email}


# The kinds that carry a resident ID (a G number is G + the ID): shown in full only by an `ids=True` presenter.
ID_KINDS = frozenset({"id", "national_number"})


class Presenter:
    """A user's view of personal items, masked without a user. With the capability (`student.view_id`), `contact`:
    phones, addresses and e-mail in full; `full` (ID numbers in full, and every item) only besides with `ids=True`,
    which audited export flows ask for (see the module). `unmasked` names kinds shown in full besides (an API
    client's field profile: `presenter_for_profile`)."""

    def __init__(self, user=None, *, unmasked: frozenset[str] = frozenset(), ids: bool = False) -> None:
        self.contact = user is not None and has_cap(user, Cap.STUDENT_VIEW_ID)
        self.full = self.contact and ids
        self.unmasked = frozenset(unmasked)

    def _shows(self, kind: str) -> bool:
        return self.full or kind in self.unmasked or (self.contact and kind not in ID_KINDS)

    def id_number(self, value: str | None) -> str:
        return (value or "") if self._shows("id") else mask_id(value)

    def national_number(self, value: str | None) -> str:
        return (value or "") if self._shows("national_number") else mask_national_number(value)

    def phone(self, value: str | None) -> str:
        return (value or "") if self._shows("phone") else mask_phone(value)

    def address(self, value: str | None) -> str:
        return (value or "") if self._shows("address") else mask_address(value)

    def text(self, value: str | None) -> str:
        """Free text that may quote a number (a title, an object's name, a note)."""
        return (value or "") if self.full else mask_text(value or "")

    def item(self, key: str, value: Any) -> Any:
        """One value by the key it is stored or sent under; keys that name no personal item pass through
        (free text still has its ID-shaped runs masked)."""
        if self.full or value is None:
            return value
        kind = kind_of(key)
        if kind is not None and isinstance(value, str):
            return value if self._shows(kind) else _MASKS[kind](value)
        return self.mapping(value)

    def mapping(self, data: Any, *, by_key: bool = True) -> Any:
        """A JSON-like structure (audit before/after, a request payload, a serializer's output) with every
        personal item masked, at any depth. A new copy: the stored data stays complete. `by_key=False` for
        an organisation's data, whose phone and address are public contact data: only ID-shaped text masked."""
        if self.full:
            return data
        if isinstance(data, Mapping):
            if not by_key:
                return {key: self.mapping(value, by_key=False) for key, value in data.items()}
            return {key: self.item(key, value) for key, value in data.items()}
        if isinstance(data, (list, tuple)):
            return [self.mapping(value, by_key=by_key) for value in data]
        if isinstance(data, str):
            return mask_text(data)
        return data


def presenter_for(user=None) -> Presenter:
    """What a page or the API shows the user: ID numbers masked whatever the role (the unmask action shows them)."""
    return Presenter(user)


def presenter_for_export(user) -> Presenter:
    """An audited export's view (a file that leaves the system under its own controls): ID numbers in full for the
    holders of `student.view_id`. Never for a page or an API answer."""
    return Presenter(user, ids=True)


def presenter_for_profile(unmasked) -> Presenter:
    """What an API client of the data interface sees (xueji/interface): masked like a user without the ID right,
    except the kinds (`id`, `national_number`, `phone`, `address`) its field profile unmasks."""
    unknown = set(unmasked) - set(_MASKS)
    if unknown:
        raise ValueError(f"not kinds of personal items: {sorted(unknown)}")
    return Presenter(None, unmasked=frozenset(unmasked))
