"""The population register (人口信息库): the adapter interface every register implements, the local register
the demo and the tests check against, and the loading of that local register.

A province wiring a real service writes an adapter class with the same `check` method and names it in the
setting XUEJI_POPULATION_REGISTER; the default, `LocalPopulationRegister`, checks against a table loaded from a
file (`manage.py load_population_register FILE`, or the province registrar's upload)."""

import csv
import datetime as dt
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string

from xueji.audit.services import audit_record
from xueji.core import clock, idnumbers, sealing
from xueji.core.db import analyze_changed
from xueji.core.errors import ValidationFailed
from xueji.problems.identity_keys import has_id_q
from xueji.registry.models import RegStatus, Student, VerifyStatus
from xueji.verification.choices import VerifyResult
from xueji.verification.files import open_text
from xueji.verification.models import RegisterEntry

DEFAULT_REGISTER = "xueji.verification.register.LocalPopulationRegister"


# The adapter interface ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckItem:
    reference: str  # the 学籍 internal reference, returned unchanged with the result
    id_number: str
    name: str


@dataclass(frozen=True)
class CheckResult:
    reference: str
    result: str  # a VerifyResult value


class RegisterUnavailable(Exception):
    """The register cannot answer now; the pupils stay unverified and are checked by a later run."""


@runtime_checkable
class PopulationRegister(Protocol):
    def check(self, items: list[CheckItem]) -> list[CheckResult]:
        """One result per item (any order), for at most a few thousand items per call."""
        ...


def same_name(a: str, b: str) -> bool:
    """Names compare after Unicode normalisation, without spaces, with every middle-dot variant (·•‧・．.) the
    same: minority names are written 阿卜杜·热合曼 with whichever dot a clerk's input method gave."""
    def norm(value: str) -> str:
        value = unicodedata.normalize("NFKC", value or "")
        for dot in "•‧・．.·":
            value = value.replace(dot, "·")
        return "".join(value.split())

    return norm(a) == norm(b)


class LocalPopulationRegister:
    """The population register as a local table (RegisterEntry): used by the demo and the tests."""

    def check(self, items: list[CheckItem]) -> list[CheckResult]:
        numbers = {idnumbers.normalise(item.id_number) for item in items}
        names = dict(RegisterEntry.objects.filter(id_number__any_of=numbers).values_list("id_number", "name"))
        results = []
        for item in items:
            name = names.get(idnumbers.normalise(item.id_number))
            if name is None:
                results.append(CheckResult(item.reference, VerifyResult.ID_NOT_FOUND))
            elif same_name(name, item.name):
                results.append(CheckResult(item.reference, VerifyResult.VERIFIED))
            else:
                results.append(CheckResult(item.reference, VerifyResult.NAME_MISMATCH))
        return results


def population_register() -> PopulationRegister:
    """The adapter named by XUEJI_POPULATION_REGISTER (the local register by default)."""
    return import_string(getattr(settings, "XUEJI_POPULATION_REGISTER", DEFAULT_REGISTER))()


# Loading the local population register -----------------------------------------------------------------------

REGISTER_COLUMNS = {"id_number": ("id_number", "身份证件号", "身份证号", "公民身份号码"), "name": ("name", "姓名"),
                    "sex": ("sex", "性别"), "birth_date": ("birth_date", "出生日期")}
SEX_WORDS = {"男": "1", "女": "2", "1": "1", "2": "2", "0": "0", "9": "9", "m": "1", "f": "2"}


def _parse_day(value: str) -> dt.date | None:
    value = value.strip().replace("/", "-")
    if not value:
        return None
    if len(value) == 8 and value.isdigit():
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return dt.date.fromisoformat(value)


def register_load(*, path: Path, actor=None, chunk_size: int = 5000) -> dict:
    """Upsert the population register from a CSV file (id_number,name[,sex,birth_date]; a header row is optional;
    UTF-8 or GB18030). Set-based (INSERT ... ON CONFLICT DO UPDATE per chunk), memory bounded, idempotent."""
    columns = ["id_number", "name", "sex", "birth_date"]
    counts = Counter()
    errors: list[str] = []
    now = clock.now()
    pending: dict[str, RegisterEntry] = {}

    def flush() -> None:
        RegisterEntry.objects.bulk_create(list(pending.values()), update_conflicts=True,
                                          unique_fields=["id_number_index"],
                                          update_fields=["name", "sex", "birth_date", "loaded_at"],
                                          batch_size=chunk_size)
        counts["loaded"] += len(pending)
        pending.clear()

    with open_text(path) as fh:
        for line, row in enumerate(csv.reader(fh), start=1):
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if line == 1 and not any(ch.isdigit() for ch in cells[0]):
                lowered = [c.lower().lstrip("\ufeff") for c in cells]
                columns = []
                for cell in lowered:
                    columns.append(next((key for key, names in REGISTER_COLUMNS.items() if cell in names), cell))
                if "id_number" not in columns or "name" not in columns:
                    raise ValidationFailed("The header must name the id_number and name columns.",
                                           code="missing_columns")
                continue
            values = dict(zip(columns, cells, strict=False))
            number = idnumbers.normalise(values.get("id_number", ""))
            name = values.get("name", "")
            try:
                if not number or len(number) > 18 or not name or len(name) > 64:
                    raise ValueError("an ID number (18 characters at most) and a name are required")
                sex = SEX_WORDS.get((values.get("sex") or "").lower(), "") if values.get("sex") else ""
                birth = _parse_day(values.get("birth_date") or "")
                if (not sex or birth is None) and idnumbers.is_valid(number):
                    parsed = idnumbers.parse(number)
                    sex, birth = sex or parsed.sex, birth or parsed.birth_date
            except ValueError as exc:
                counts["refused"] += 1
                if len(errors) < 50:
                    errors.append(f"line {line}: {exc}")
                continue
            pending[number] = RegisterEntry(id_number=number, name=name, sex=sex, birth_date=birth, loaded_at=now)
            if len(pending) >= chunk_size:
                flush()
    if pending:
        flush()
    result = {"loaded": counts["loaded"], "refused": counts["refused"], "errors": errors,
              "total": RegisterEntry.objects.count()}
    audit_record(actor=actor, action="verification.register_load", object_type="verification.registerentry",
                 object_repr=f"{counts['loaded']} register entries", username="manage.py" if actor is None else "",
                 after={k: v for k, v in result.items() if k != "errors"} | {"file": path.name})
    return result


def _fill_from_students(*, omitted: list[int], renamed: list[int], loaded_at, chunk_size: int = 5000) -> None:
    """_fill_from_students_sql when the ID number is sealed (core.sealing): the database cannot copy it, so the
    pupils are read (in id order, so the later record's entry wins) and upserted in batches."""
    if not sealing.enabled():
        _fill_from_students_sql(omitted=omitted, renamed=renamed, loaded_at=loaded_at)
        return
    skip, other = set(omitted), set(renamed)
    entries: dict[str, RegisterEntry] = {}
    rows = (Student.objects.filter(has_id_q(), reg_status=RegStatus.REGISTERED).exclude(pk__in=skip)
            .order_by("pk").values_list("pk", "id_number", "name", "sex", "birth_date"))
    for pk, number, name, sex, birth in rows.iterator(chunk_size=chunk_size):
        if pk in other:
            name = ("李" if name[:1] == "王" else "王") + name[1:]
        entries[number] = RegisterEntry(id_number=number, name=name, sex=sex, birth_date=birth, loaded_at=loaded_at)
    RegisterEntry.objects.bulk_create(list(entries.values()), update_conflicts=True, unique_fields=["id_number_index"],
                                      update_fields=["name", "sex", "birth_date", "loaded_at"],
                                      batch_size=chunk_size)


def _fill_from_students_sql(*, omitted: list[int], renamed: list[int], loaded_at) -> None:
    """Upsert every registered pupil holding a resident ID into the register, but the omitted, the renamed under
    another first character (王, or 李 for a 王); of two pupils sharing a number, the later record's entry."""
    quote = connection.ops.quote_name
    student, entry = quote(Student._meta.db_table), quote(RegisterEntry._meta.db_table)

    def holds(alias: str) -> str:
        return (f"{alias}.id_type = '1' AND {alias}.id_number IS NOT NULL AND {alias}.id_number <> '' "
                f"AND {alias}.reg_status = %s" + (f" AND {alias}.id NOT IN ({', '.join(['%s'] * len(omitted))})"
                                                   if omitted else ""))

    rename = (f"CASE WHEN s.id IN ({', '.join(['%s'] * len(renamed))}) THEN (CASE WHEN substr(s.name, 1, 1) = '王' "
              f"THEN '李' ELSE '王' END) || substr(s.name, 2) ELSE s.name END") if renamed else "s.name"
    # Only without sealing (XUEJI_SEALING off), where a blind index is the number itself.
    sql = (f"INSERT INTO {entry} (id_number_index, id_number, name, sex, birth_date, loaded_at) "  # noqa: S608
           f"SELECT s.id_number, s.id_number, {rename}, s.sex, s.birth_date, %s FROM {student} s WHERE {holds('s')} "
           f"AND NOT EXISTS (SELECT 1 FROM {student} d WHERE d.id_number = s.id_number AND d.id > s.id "
           f"AND {holds('d')})")
    if RegisterEntry.objects.exists():  # an upsert; into an empty register (the demo's) a plain insert is cheaper
        sql += (" ON CONFLICT (id_number_index) DO UPDATE SET name = excluded.name, sex = excluded.sex, "
                "birth_date = excluded.birth_date, loaded_at = excluded.loaded_at")
    registered = [RegStatus.REGISTERED.value, *omitted]
    params = [*renamed, RegisterEntry._meta.get_field("loaded_at").get_db_prep_save(loaded_at, connection),
              *registered, *registered]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def register_fill_from_students(*, omit: int = 0, rename: int = 0, actor=None, chunk_size: int = 5000) -> dict:
    """For a demo: fill the local register from the registered pupils holding a resident ID, leaving out `omit`
    of them (their check answers "ID not found") and giving `rename` of them another name ("name mismatch").
    The planted pupils are taken among those still to be checked, spread evenly (every k-th pupil), so the
    next verification run flags them; returns their record ids. One INSERT ... SELECT (an upsert by ID number),
    not a loop over the pupils in Python."""
    qs = Student.objects.filter(has_id_q(), reg_status=RegStatus.REGISTERED)
    total = qs.count()
    wanted = omit + rename
    to_check = list(qs.exclude(verify_status__in=[VerifyStatus.VERIFIED, VerifyStatus.PROOF])
                    .order_by("pk").values_list("pk", flat=True))
    pool = to_check if len(to_check) >= wanted else list(qs.order_by("pk").values_list("pk", flat=True))
    step = max(1, len(pool) // max(wanted, 1))
    chosen = [pool[i] for i in range(step // 2, len(pool), step)][:wanted] if wanted else []
    planted = {"omitted": chosen[:omit], "renamed": chosen[omit:]}
    _fill_from_students(omitted=planted["omitted"], renamed=planted["renamed"], loaded_at=clock.now())
    RegisterEntry.objects.filter(id_number__in=list(Student.objects.filter(pk__in=planted["omitted"])
                                                    .values_list("id_number", flat=True))).delete()
    analyze_changed({RegisterEntry: total})
    audit_record(actor=actor, action="verification.register_fill", object_type="verification.registerentry",
                 object_repr="register filled from pupils", username="manage.py" if actor is None else "",
                 after={"pupils": total, "omitted": len(planted["omitted"]), "renamed": len(planted["renamed"])})
    return {"pupils": total, **planted}
