"""A pupil of another province, as that province's answer to the lookup told it (`lookup.py`): what the receiving
side of a cross-province transfer knows of the pupil until 调档 brings the file. Kept on B's transfer as its
`pupil` (the answer's shape, below), read by B's checks (the grade its school must teach, the classes of that
grade), pages, lists, inbox, API and printable form in place of a Student row B would not have on a database of
its own. Shown through the presenter like a record (masked by default).

The shape (version 1 of the lookup's answer, `pupil`): {"national_number": the pupil's current number, "name",
"name_pinyin", "sex" (GB/T 2261.1 code), "birth_date" (ISO), "id_number" (masked by the sending side), "stage",
"cohort_year" (of its class; null without one), "school": {"code", "name"}, "county", "city", "province",
"status" (the record's status code)}; an answer adds "refusal": null or {"code", "reason"} (why the sending side
would not release the pupil now), which is not kept. Pure: no database."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from xueji.core.errors import ValidationFailed


@dataclass(frozen=True)
class PeerPupil:
    national_number: str
    name: str
    sex: str
    birth_date: dt.date
    id_number: str  # masked by the sending side
    stage: str
    cohort_year: int | None
    school_code: str
    school_name: str
    county: str
    city: str
    province_code: str
    status: str
    name_pinyin: str = ""
    refusal_code: str = ""
    refusal_reason: str = ""

    @classmethod
    def of(cls, data: Any) -> "PeerPupil":
        """From the answer's (or the stored) shape; ValidationFailed `bad_answer` when it is not that shape."""
        try:
            school = data.get("school") or {}
            refusal = data.get("refusal") or {}
            cohort = data.get("cohort_year")
            return cls(national_number=str(data["national_number"]), name=str(data["name"]), sex=str(data["sex"]),
                       birth_date=dt.date.fromisoformat(data["birth_date"]), id_number=str(data.get("id_number", "")),
                       stage=str(data["stage"]), cohort_year=int(cohort) if cohort is not None else None,
                       school_code=str(school.get("code", "")), school_name=str(school.get("name", "")),
                       county=str(data.get("county", "")), city=str(data.get("city", "")),
                       province_code=str(data["province"]), status=str(data.get("status", "")),
                       name_pinyin=str(data.get("name_pinyin", "")), refusal_code=str(refusal.get("code", "")),
                       refusal_reason=str(refusal.get("reason", "")))
        except (AttributeError, KeyError, TypeError, ValueError):
            raise ValidationFailed("The other province's answer about the pupil is not in the lookup's shape.",
                                   code="bad_answer") from None

    def stored(self) -> dict[str, Any]:
        """What B keeps on its transfer (the answer's shape without the refusal)."""
        return {"national_number": self.national_number, "name": self.name, "name_pinyin": self.name_pinyin,
                "sex": self.sex, "birth_date": self.birth_date.isoformat(), "id_number": self.id_number,
                "stage": self.stage, "cohort_year": self.cohort_year,
                "school": {"code": self.school_code, "name": self.school_name}, "county": self.county,
                "city": self.city, "province": self.province_code, "status": self.status}
