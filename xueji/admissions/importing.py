"""The admission-results import (录取结果导入, senior high and 自主招生): the office downloads the template, fills in
one row per admitted pupil and uploads it. The upload passes the import machinery's door (size, type by content, the
xlsx zip-bomb guard: xueji.exchange.uploads), then every row is checked at once against the province's records,
the plans and the classes, set-based (one query per kind of thing the file names, not one per row):

- a file with any row error is refused whole, nothing written, and every error is reported in one pass (row,
  column, reason): pupils already in school elsewhere, unknown schools, rows over the plan, a class without room,
  the same pupil twice in the file;
- a row the office imported before (the same pupil admitted by the same school this year) counts as admitted
  before: the same file uploaded again changes nothing;
- a pupil admitted by another school already (another file, another office) is a duplicate admission (重复招生):
  the new admission and the earlier ones are all held; none takes effect until the offices keep one.

Admissions hold their place in the plan and their seat in the class from here; they take effect (入学) when the
office runs the admission (services.admissions_apply)."""

import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from xueji.accounts.jurisdiction import restrict
from xueji.accounts.permissions import Cap, require_cap
from xueji.admissions.choices import COUNTED, PENDING, WINDOW_KIND, AdmissionSource, AdmissionStatus, BatchStatus
from xueji.admissions.models import Admission, AdmissionBatch, AdmissionPlan
from xueji.audit.services import audit_record
from xueji.core import clock, codes, idnumbers
from xueji.core.errors import ValidationFailed, XuejiError
from xueji.core.messages import user_message
from xueji.core.spreadsheets import safe_cell
from xueji.exchange.classes import normalise_class_name
from xueji.exchange.readers import cell_date, cell_text, header_columns, open_source
from xueji.exchange.uploads import check_xlsx_container, discard, import_max_bytes, sniff, store_upload
from xueji.policy.services import window_require
from xueji.registry.choices import ON_ROLL, StudentStatus, status_change_allowed
from xueji.registry.guards import room_in
from xueji.registry.models import RegStatus, Student
from xueji.registry.services import identity_lock
from xueji.schools.models import School, SchoolClass

# key, title (the template's header), required
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("id_number", "身份证件号", True),
    ("name", "姓名", True),
    ("sex", "性别", True),
    ("birth_date", "出生日期", True),
    ("national_number", "学籍号", False),
    ("school_code", "录取学校代码", True),
    ("stage", "学段", True),
    ("class_name", "班级", False),
)
TITLE = {key: title for key, title, _required in COLUMNS}
MAX_ERRORS = 50_000  # kept on the batch for the report; beyond them the count says how many
CHUNK = 5000
_SEX = {"1": "1", "男": "1", "2": "2", "女": "2"}
_STAGE = {"1": "1", "小学": "1", "2": "2", "初中": "2", "3": "3", "高中": "3"}


@dataclass
class Row:
    number: int
    id_number: str = ""
    name: str = ""
    sex: str = ""
    birth_date: dt.date | None = None
    national_number: str = ""
    school_code: str = ""
    stage: str = ""
    class_name: str = ""


class Report:
    """The row errors of one file: (row, column, reason), all of them in one pass."""

    def __init__(self) -> None:
        self.lines: list[list[Any]] = []
        self.rows: set[int] = set()
        self.count = 0

    def add(self, number: int, key: str, reason: str) -> None:
        self.count += 1
        self.rows.add(number)
        if len(self.lines) < MAX_ERRORS:
            self.lines.append([number, TITLE.get(key, key), str(reason)])


# The template ------------------------------------------------------------------------------------------------

def template(*, actor, fmt: str = "xlsx") -> bytes:
    """The admission-results template: the columns, one example row (xlsx: ID columns as text, instructions)."""
    require_cap(actor, Cap.ADMISSION_MANAGE)
    titles = [title + ("*" if required else "") for _key, title, required in COLUMNS]
    if fmt == "csv":
        return ("\ufeff" + ",".join(titles) + "\r\n").encode("utf-8")
    if fmt != "xlsx":
        raise ValidationFailed(f"Unknown template format {fmt!r}: use xlsx or csv.", code="unknown_format",
                               field="format")
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False})
    sheet = book.add_worksheet("录取结果")
    bold, text = book.add_format({"bold": True, "bg_color": "#E7F0FD"}), book.add_format({"num_format": "@"})
    sheet.write_row(0, 0, titles, bold)
    for pos, (key, _title, _required) in enumerate(COLUMNS):
        sheet.set_column(pos, pos, 20, text if key in ("id_number", "national_number", "school_code") else None)
    sheet.data_validation(1, 2, 100_000, 2, {"validate": "list", "source": ["男", "女"]})
    sheet.data_validation(1, 6, 100_000, 6, {"validate": "list", "source": ["小学", "初中", "高中"]})
    notes = book.add_worksheet("填写说明")
    for n, line in enumerate([
            "每行一名录取学生；带 * 的列必填。", "身份证件号：18 位居民身份证号（文本格式）。",
            "出生日期：YYYY-MM-DD。", "学籍号：已有学籍的学生可填，用于核对。",
            "录取学校代码：10 位学校标识码（本部门管辖范围内的学校）。", "学段：小学、初中或高中。",
            "班级：可不填，系统按班额依次分入该校该学段本届的班级；填写时写如“2026级1班”或“1班”。",
            "同一文件重复导入不会重复录取；任一行有错误时整份文件不导入，错误一次列出。"]):
        notes.write(n, 0, line)
    book.close()
    return out.getvalue()


# Reading ----------------------------------------------------------------------------------------------------

def _columns(header: list[Any]) -> dict[str, int]:
    found, missing = header_columns(header, COLUMNS)
    if missing:
        raise ValidationFailed(_("The file is not an admission-results file: these columns are missing: %(columns)s")
                               % {"columns": "、".join(missing)}, code="admission_bad_header", field="file")
    return found


def _parse(number: int, cells: list[Any], columns: dict[str, int], report: Report) -> Row:
    def cell(key: str) -> Any:
        pos = columns.get(key)
        return cells[pos] if pos is not None and pos < len(cells) else ""

    row = Row(number)
    for key, title, required in COLUMNS:
        value = cell(key)
        if key == "birth_date":
            continue
        text = cell_text(value).strip()
        if key in ("id_number", "national_number") and not isinstance(value, str) and text and len(text) >= 15:
            report.add(number, key, _("Excel stored %(title)s as a number and lost its last digits: set the column "
                                      "to “Text” and type it again") % {"title": title})
            text = ""
        elif required and not text:
            report.add(number, key, _("%(title)s is required") % {"title": title})
        setattr(row, key, text)
    raw_birth = cell("birth_date")
    row.birth_date = cell_date(raw_birth)
    if row.birth_date is None and cell_text(raw_birth).strip():
        report.add(number, "birth_date", _("Not a date: write it as YYYY-MM-DD"))
    elif row.birth_date is None:
        report.add(number, "birth_date", _("%(title)s is required") % {"title": TITLE["birth_date"]})
    if row.id_number:
        row.id_number = idnumbers.normalise(row.id_number)
        if not idnumbers.is_valid(row.id_number):
            report.add(number, "id_number", _("Not a valid resident ID number (length, date or check digit)"))
        elif row.birth_date and row.sex in _SEX:
            for what in idnumbers.contradicts(idnumbers.parse(row.id_number), birth_date=row.birth_date,
                                              sex=_SEX[row.sex]):
                report.add(number, "id_number", _("The ID number does not fit the pupil's %(what)s")
                           % {"what": {"birth_date": TITLE["birth_date"], "sex": TITLE["sex"]}.get(what, what)})
    if row.sex:
        if row.sex not in _SEX:
            report.add(number, "sex", _("Write 男 or 女 (or the code 1 or 2)"))
        row.sex = _SEX.get(row.sex, "")
    if row.stage:
        if row.stage not in _STAGE:
            report.add(number, "stage", _("Write 小学, 初中 or 高中 (or the code 1, 2 or 3)"))
        row.stage = _STAGE.get(row.stage, "")
    row.national_number = row.national_number.upper()
    return row


def read_rows(path: Path, file_type: str, name: str, report: Report) -> list[Row]:
    source = open_source(path, file_type, name)
    try:
        columns = _columns(source.open())
        formulas = source.formula_cells()
        rows = []
        for number, cells in source.rows():
            for pos, ref in formulas.get(number, ()):
                key = next((k for k, p in columns.items() if p == pos), "")
                report.add(number, key or ref, _("Cell %(ref)s is a formula; the import takes values only") %
                           {"ref": ref})
            rows.append(_parse(number, cells, columns, report))
        return rows
    finally:
        source.close()


# Checking against the province -------------------------------------------------------------------------------

class Classes:
    """The entering classes (stage, cohort = the year) of the schools the file names, with the seats each has left:
    room by the class-size caps (locked until the import commits) less the admissions already holding a seat."""

    def __init__(self, schools: list[School], year: int) -> None:
        classes = list(SchoolClass.objects.filter(school__in=schools, cohort_year=year, is_active=True)
                       .order_by("school_id", "stage", "number"))
        self.of: dict[tuple[int, str], list[SchoolClass]] = {}
        for klass in classes:
            self.of.setdefault((klass.school_id, klass.stage), []).append(klass)
        rooms = room_in({k.pk for k in classes})  # locks the classes: the seats hold until the import commits
        pending = Counter(dict(Admission.objects.filter(school_class__in=classes, status__in=PENDING)
                               .values_list("school_class_id").annotate(n=Count("pk")).order_by()))
        self.left = {k.pk: (rooms[k.pk].left - pending[k.pk]) if k.pk in rooms else None for k in classes}
        self.refusal = {pk: room.refusal for pk, room in rooms.items()}

    def named(self, school_id: int, stage: str, name: str) -> SchoolClass | None:
        wanted = normalise_class_name(name)
        for klass in self.of.get((school_id, stage), ()):
            if wanted in (normalise_class_name(klass.display_name), f"{klass.number}班", str(klass.number)):
                return klass
        return None

    def take(self, klass: SchoolClass) -> bool:
        left = self.left.get(klass.pk)
        if left is None:
            return True
        if left <= 0:
            return False
        self.left[klass.pk] = left - 1
        return True

    def first_with_room(self, school_id: int, stage: str) -> SchoolClass | None:
        return next((k for k in self.of.get((school_id, stage), ()) if self.take(k)), None)


def _in_chunks(values: list, fetch) -> list:
    out = []
    for start in range(0, len(values), CHUNK):
        out += fetch(values[start:start + CHUNK])
    return out


def _mask(name: str) -> str:
    return (name[:1] + "*" * (len(name) - 1)) if name else ""


@dataclass
class Outcome:
    new: list[Admission]
    held_earlier: list[int]
    already: int
    new_records: int


def _check(actor, rows: list[Row], year: int, report: Report) -> Outcome:
    """Every check against what the province holds, one query per kind of thing, in file order."""
    codes_named = sorted({r.school_code for r in rows if r.school_code})
    schools = {s.code: s for s in restrict(School.objects.select_related("org_unit"), actor).filter(
        code__in=codes_named)}
    ids = sorted({r.id_number for r in rows if r.id_number})
    records: dict[str, list[Student]] = {}
    for s in _in_chunks(ids, lambda part: list(Student.objects.select_related("school").filter(id_number__in=part))):
        records.setdefault(s.id_number, []).append(s)
    earlier: dict[str, list[Admission]] = {}
    for a in _in_chunks(ids, lambda part: list(Admission.objects.select_for_update(of=("self",)).select_related(
            "school").filter(year=year, id_number__in=part).exclude(status=AdmissionStatus.WITHDRAWN)
            .order_by("pk"))):
        earlier.setdefault(a.id_number, []).append(a)
    involved = list(schools.values())
    plans = {(p.school_id, p.stage): p for p in AdmissionPlan.objects.select_for_update().filter(
        school__in=involved, year=year).order_by("pk")}
    used = Counter({(s, st): n for s, st, n in Admission.objects.filter(
        school__in=involved, year=year, status__in=COUNTED).values_list("school_id", "stage").annotate(
        n=Count("pk")).order_by()})
    classes = Classes(involved, year)
    seen: dict[str, int] = {}
    new: list[Admission] = []
    held_earlier: set[int] = set()
    already = new_records = 0
    now = clock.now()
    for row in rows:
        bad = row.number in report.rows
        if row.id_number:
            first = seen.setdefault(row.id_number, row.number)
            if first != row.number:
                report.add(row.number, "id_number", _("The same pupil as row %(row)s: a pupil is admitted once in a "
                                                      "file") % {"row": first})
                continue
        school = schools.get(row.school_code) if row.school_code else None
        if row.school_code and school is None:
            report.add(row.number, "school_code", _("No school with the code %(code)s in your area")
                       % {"code": row.school_code})
            bad = True
        if school is not None and row.stage and row.stage not in (school.stages or ""):
            report.add(row.number, "stage", _("%(school)s does not teach %(stage)s") % {
                "school": school.name, "stage": codes.STAGE.zh(row.stage)})
            bad = True
        found = [s for s in records.get(row.id_number, ())]
        record = None
        if found:
            record = found[0]
            if record.reg_status == RegStatus.DRAFT:
                report.add(row.number, "id_number", _("A draft with this ID number is being registered at "
                                                      "%(school)s") % {"school": record.school.name})
                bad = True
            elif record.status in ON_ROLL and not (school is not None and record.school_id == school.pk and any(
                    a.school_id == school.pk for a in earlier.get(row.id_number, ()))):
                report.add(row.number, "id_number", _("Already in school (%(status)s) at %(school)s, not graduated: "
                                                      "a pupil in school changes school by a transfer") % {
                    "status": codes.STUDENT_STATUS.label(record.status), "school": record.school.name})
                bad = True
            elif record.status not in ON_ROLL and not status_change_allowed(record.status, StudentStatus.ENROLLED):
                report.add(row.number, "id_number", _("The record's status (%(status)s) allows no admission") % {
                    "status": codes.STUDENT_STATUS.label(record.status)})
                bad = True
            if row.name and record.name != row.name or row.birth_date and record.birth_date != row.birth_date:
                report.add(row.number, "name", _("The record with this ID number has another name or date of birth "
                                                 "(%(name)s): check the row") % {"name": _mask(record.name)})
                bad = True
            if row.national_number and record.national_number and row.national_number != record.national_number:
                report.add(row.number, "national_number", _("Not the national student number of the record with "
                                                            "this ID number"))
                bad = True
        if bad or school is None or not row.stage:
            continue
        before = earlier.get(row.id_number, [])
        if any(a.school_id == school.pk for a in before):
            already += 1  # imported before: the same file again changes nothing
            continue
        plan = plans.get((school.pk, row.stage))
        if plan is None:
            report.add(row.number, "school_code", _("%(school)s has no admission plan for %(stage)s in %(year)s") % {
                "school": school.name, "stage": codes.STAGE.zh(row.stage), "year": year})
            continue
        if used[(school.pk, row.stage)] >= plan.quota:
            report.add(row.number, "school_code", _("Over the plan: %(school)s admits %(quota)s pupils into "
                                                    "%(stage)s in %(year)s, all places are taken") % {
                "school": school.name, "quota": plan.quota, "stage": codes.STAGE.zh(row.stage), "year": year})
            continue
        if row.class_name:
            klass = classes.named(school.pk, row.stage, row.class_name)
            if klass is None:
                report.add(row.number, "class_name", _("“%(name)s” is not an entering class (%(year)s级) of "
                                                       "%(school)s") % {"name": row.class_name, "year": year,
                                                                        "school": school.name})
                continue
            if not classes.take(klass):
                report.add(row.number, "class_name", user_message(classes.refusal[klass.pk]))
                continue
        else:
            klass = classes.first_with_room(school.pk, row.stage)
            if klass is None:
                report.add(row.number, "class_name", _("%(school)s has no entering class (%(year)s级) of this stage "
                                                       "with a seat left: the school creates its classes first, "
                                                       "within the class-size caps") % {"school": school.name,
                                                                                        "year": year})
                continue
        used[(school.pk, row.stage)] += 1
        status = AdmissionStatus.ADMITTED
        if before:  # admitted by another school too: every admission of the pupil is held (重复招生)
            status = AdmissionStatus.HELD
            held_earlier.update(a.pk for a in before if a.status in PENDING)
        if record is None:
            new_records += 1
        new.append(Admission(year=year, stage=row.stage, school=school, school_class=klass, student=record,
                             id_number=row.id_number, name=row.name, sex=row.sex, birth_date=row.birth_date,
                             national_number=row.national_number, status=status, source=AdmissionSource.IMPORT,
                             row=row.number, created_by=actor, created_at=now))
    return Outcome(new=new, held_earlier=sorted(held_earlier), already=already, new_records=new_records)


def _office_require(actor) -> None:
    require_cap(actor, Cap.ADMISSION_MANAGE)
    window_require(unit=actor.org_unit, kind=WINDOW_KIND)


def results_import(*, actor, upload, year: int) -> AdmissionBatch:
    """Import an admission-results file (see the module). Returns the batch: imported, unchanged (every row was
    imported before), or refused with its row errors (nothing admitted)."""
    from xueji.admissions.services import _year_require

    _office_require(actor)
    year = _year_require(year)
    if upload is None:
        raise ValidationFailed(_("Choose a file to import."), code="no_file", field="file")
    stored = store_upload(upload, limit=import_max_bytes(actor.org_unit))
    try:
        file_type = sniff(stored.path, stored.name)
        if file_type == "xlsx":
            check_xlsx_container(stored.path, stored.name)
        report = Report()
        rows = read_rows(stored.path, file_type, stored.name, report)
    except XuejiError as exc:
        audit_record(actor=actor, action="admission.import_refused", object_type="admissions.admissionbatch",
                     object_repr=stored.name[:255], success=False, org_unit=actor.org_unit,
                     after={"file": stored.name, "size": stored.size, "code": exc.code,
                            "reason": str(exc.message)[:500]})
        raise
    finally:
        discard(stored.path)
    if not rows:
        raise ValidationFailed(_("The file has only its column titles, no admitted pupils."), code="admission_no_rows",
                               field="file")
    return _import_rows(actor=actor, rows=rows, year=year, report=report, file_name=stored.name,
                        sha256=stored.sha256)


@transaction.atomic
def _import_rows(*, actor, rows: list[Row], year: int, report: Report, file_name: str, sha256: str) -> AdmissionBatch:
    identity_lock()  # one import at a time sees the admissions of a pupil: duplicates across files are found
    outcome = _check(actor, rows, year, report)
    batch = AdmissionBatch(org_unit=actor.org_unit, year=year, file_name=file_name[:255], sha256=sha256,
                           total_rows=len(rows), created_by=actor, created_at=clock.now())
    if report.count:
        # A refused file changes nothing: the checks wrote nothing; the batch keeps the report.
        batch.status, batch.error_count = BatchStatus.REFUSED, report.count
        batch.errors = sorted(report.lines)
        batch.save()
    else:
        batch.status = BatchStatus.IMPORTED if outcome.new else BatchStatus.UNCHANGED
        batch.admitted_rows = sum(a.status == AdmissionStatus.ADMITTED for a in outcome.new)
        batch.held_rows = len(outcome.new) - batch.admitted_rows
        batch.already_rows, batch.new_records = outcome.already, outcome.new_records
        batch.save()
        for a in outcome.new:
            a.batch = batch
        Admission.objects.bulk_create(outcome.new, batch_size=2000)
        if outcome.held_earlier:
            Admission.objects.filter(pk__in=outcome.held_earlier).update(status=AdmissionStatus.HELD)
    audit_record(actor=actor, action="admission.import", obj=batch, org_unit=actor.org_unit,
                 success=batch.status != BatchStatus.REFUSED,
                 after={"file": file_name, "sha256": sha256, "year": year, "status": batch.status,
                        "rows": batch.total_rows, "admitted": batch.admitted_rows, "held": batch.held_rows,
                        "already": batch.already_rows, "new_records": batch.new_records,
                        "errors": batch.error_count, "held_earlier": outcome.held_earlier[:200]})
    return batch


def error_report(batch: AdmissionBatch) -> bytes:
    """The row errors of a refused file as xlsx: row, column, reason (cells starting with = + - @ escaped)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False})
    sheet = book.add_worksheet("错误报告")
    sheet.write_row(0, 0, ["行号", "列", "错误原因"], book.add_format({"bold": True, "bg_color": "#FDE9E7"}))
    sheet.set_column(2, 2, 80)
    for n, (row, column, reason) in enumerate(batch.errors or (), start=1):
        sheet.write_row(n, 0, [row, safe_cell(column), safe_cell(reason)])
    if batch.error_count > len(batch.errors or ()):
        sheet.write_row(len(batch.errors) + 1, 0, ["", "", f"错误共 {batch.error_count} 条，只列出前 {MAX_ERRORS} 条"])
    book.close()
    return out.getvalue()


