"""Checking the rows of a bulk import: the one row validator (`registry.validation.validate_row`) plus what only
an import knows (the class by name, formula cells, numbers Excel stored as numbers, duplicates inside the file).

`RowChecker.assess` does every check of a row but the duplicate inside the file, which depends on the rows
before it; `RowChecker.settle` does that one in file order. The pipeline runs both on its thread, or `assess` in
a checking process (parallel.py) and `settle` at home: the same code either way."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from xueji.core import idnumbers
from xueji.core.messages import user_message
from xueji.exchange.classes import class_labels, class_lookup, normalise_class_name
from xueji.exchange.models import ImportKind
from xueji.exchange.readers import ColumnMap, cell_text
from xueji.registry.guards import Room, room_in
from xueji.registry.services import PreparedPupils, students_copy_prepare
from xueji.registry.validation import CleanStudent, validate_row
from xueji.schools.models import School, SchoolClass
from xueji.schools.selectors import current_school_year_start

_ID_CHARS = "0123456789X"
ID_KEYS = ("id_number", "guardian1.id_number", "guardian2.id_number")


@dataclass(slots=True)
class GoodRow:
    number: int
    klass: SchoolClass
    clean: CleanStudent


@dataclass
class Chunk:
    rows: dict[int, str | list[Any]]  # row number -> the cells as read (for the error report), `pack_cells`
    errors: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # row number -> [(column, reason)]
    good: list[GoodRow] = field(default_factory=list)
    prepared: PreparedPupils | None = None  # PostgreSQL: the good rows as COPY text, ids reserved
    prepared_at: list[int] | None = None  # where each good row is in `prepared` (None: at its own position)
    total: int = 0
    invalid: int = 0
    duplicate: int = 0


@dataclass
class ChunkOutcome:
    chunk: Chunk
    inserted: int = 0
    already: int = 0
    duplicate: int = 0
    errors: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    seconds: float = 0.0


def pack_cells(cells: list[Any]) -> str | list[Any]:
    """A row's cells as one string while they wait for the error report (one object instead of one per cell: a
    chunk in flight holds a tenth of the memory, and crosses to a checking process faster); cells that are not all
    text, or hold the separator, stay a list. `unpack_cells` gives them back."""
    if len(cells) < 2:
        return cells
    try:
        packed = "\x00".join(cells)
    except TypeError:  # typed cells (.xlsx numbers, dates)
        return cells
    return packed if packed.count("\x00") == len(cells) - 1 else cells


def unpack_cells(packed: str | list[Any]) -> list[Any]:
    return packed.split("\x00") if type(packed) is str else packed


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    return (value if type(value) is str else cell_text(value)).strip()


def _id_key(number: str) -> int | str:
    """A compact key for the in-file duplicate index (an int for well-formed IDs: about 100 bytes a pupil)."""
    if len(number) == 18 and number[:17].isdigit() and number[17] in _ID_CHARS:
        return int(number[:17]) * 11 + _ID_CHARS.index(number[17])
    return number


class _ClassFinder:
    """The class a 班级 cell names (classes.class_lookup), cached per spelling as typed."""

    def __init__(self, lookup: dict[str, SchoolClass | None]) -> None:
        self.lookup = lookup
        self.cache: dict[str, SchoolClass | None | bool] = {}

    def find(self, name: str) -> SchoolClass | None | bool:
        """The class; None when the name fits several; False when it fits none."""
        found = self.cache.get(name, self)
        if found is self:
            found = self.lookup.get(normalise_class_name(name), False)
            if len(self.cache) < 10_000:
                self.cache[name] = found
        return found

    def get(self, name: str) -> SchoolClass | None:
        """The class when the name fits exactly one (the fast path); else None."""
        found = self.find(name)
        return found or None


class RowChecker:
    """Checks rows with the one row validator, plus what only an import knows: the class by name, formula cells,
    numbers Excel stored as numbers, and duplicates inside the file."""

    def __init__(self, *, school: School, kind: str, columns: ColumnMap, formulas: dict[int, list[tuple[int, str]]],
                 today: dt.date, typed_cells: bool = True) -> None:
        self.school = school
        self.kind = kind
        self.columns = columns
        self.today = today
        self.formulas = formulas
        self.typed_cells = typed_cells  # xlsx cells come typed (numbers, dates); CSV cells are all text
        self.classes = _ClassFinder(class_lookup(school))
        self.class_names = [label for label, _k in class_labels(school)]
        self.cohort = current_school_year_start(school)
        width = max((pos for pos, _i in columns.items), default=-1) + 1
        keys: list[str | None] = [None] * width
        for pos, item in columns.items:
            keys[pos] = item.key
        self.keys = keys
        self.dense = None not in keys  # every column is a form item: dict(zip()) builds the row
        self.pairs = [(pos, item.key) for pos, item in columns.items]
        self.title_of = {item.key: item.title for _pos, item in columns.items}
        self.item_title = {pos: item.title for pos, item in columns.items}
        self.id_positions = [(pos, item) for pos, item in columns.items if item.key in ID_KEYS]
        self.seen_ids: dict[int | str, int] = {}
        self.seen_people: dict[tuple[str, str, dt.date], int] = {}
        # Classes already full when the import starts (class-size caps): a row with other errors that names one
        # says so too, so its every error is in one report. Rows with no other error are kept to the room left
        # when their chunk is written (pipeline.write_chunk, under the classes' locks).
        ids = [klass.pk for klass in self.classes.lookup.values() if klass]
        self.full: dict[int, Room] = {pk: room for pk, room in room_in(ids, lock=False).items() if room.left <= 0}

    def raw_of(self, cells: list[Any]) -> dict[str, Any]:
        """The row as validate_row takes it (empty cells left out: the validator skips them anyway)."""
        if self.dense:
            return {key: value for key, value in zip(self.keys, cells) if value != ""}  # noqa: B905
        size = len(cells)
        return {key: cells[pos] for pos, key in self.pairs if pos < size and cells[pos] != ""}

    def check_chunk(self, rows: Iterable[tuple[int, list[Any]]], *, prepare: bool = False) -> Chunk:
        """Check a chunk of rows; with `prepare` (PostgreSQL) also format its good rows for COPY here, so the
        writer only streams bytes."""
        chunk = Chunk(rows={})
        for number, cells in rows:
            chunk.rows[number] = pack_cells(cells)
            chunk.total += 1
            self.check(number, cells, chunk)
        if prepare and chunk.good:
            chunk.prepared = students_copy_prepare(school=self.school, rows=[(g.klass, g.clean) for g in chunk.good])
        return chunk

    def check(self, number: int, cells: list[Any], chunk: Chunk) -> None:
        self.settle(self.assess(number, cells), chunk)

    def assess(self, number: int, cells: list[Any]) -> "Assessed":
        """Every check of one row but the duplicate inside the file (which depends on the rows before it: see
        `settle`). What a checking process does for the rows it is given (parallel.py)."""
        raw = self.raw_of(cells)
        clean, errors = validate_row(raw, today=self.today)
        if clean is not None and not self.formulas and not self.typed_cells:  # the common case, kept short
            klass = self.classes.get(clean.class_name)
            if klass is not None and self.kind == ImportKind.ENROLLED:
                return Assessed(number, clean, klass, None, self._dup_key(raw, clean), True)
        return self._assess_slowly(number, cells, raw, clean, errors)

    def _assess_slowly(self, number: int, cells: list[Any], raw: dict[str, Any], clean: CleanStudent | None,
                       errors: list) -> "Assessed":
        early: list[tuple[str, str]] = []
        hidden: set[str] = set()
        if number in self.formulas:
            for pos, ref in self.formulas[number]:
                title = self.item_title.get(pos) or (self.columns.titles[pos] if 0 <= pos < len(self.columns.titles)
                                                     else ref)
                early.append((title, _("Cell %(ref)s is a formula; the import takes values only: copy it and "
                                        "“paste values” before importing") % {"ref": ref}))
        for pos, item in self.id_positions:
            value = cells[pos] if pos < len(cells) else None
            if type(value) is not str and isinstance(value, int | float) and abs(value) >= 1e15:
                early.append((item.title, _(
                    "Excel stored %(title)s as a number (%(value)s) and lost its last digits: set the column to "
                    "“Text” and type it again") % {"title": item.title, "value": cell_text(value)}))
                hidden.add(item.key)
        problems = early + [(e.column, e.message) for e in errors if e.key not in hidden]
        # The class is checked even when other items failed: every error of a row in one report, not in rounds.
        class_name = clean.class_name if clean is not None else _text_of(raw.get("class_name"))
        klass = self._class_of(class_name, problems) if class_name else None
        if problems and klass is not None and klass.pk in self.full:
            problems.append(("班级", user_message(self.full[klass.pk].refusal)))
        return Assessed(number, clean, klass, problems, self._dup_key(raw, clean),
                        clean is not None and klass is not None)

    def settle(self, row: "Assessed", chunk: Chunk) -> None:
        """The duplicate check inside the file (in row order, so the first of two rows is the good one), then
        the row is good or listed with its errors, the duplicate last."""
        duplicate = self._in_file_duplicate(row.number, row.dup_key)
        if duplicate is None and not row.problems:
            chunk.good.append(GoodRow(row.number, row.klass, row.clean))
            return
        problems = [*(row.problems or ()), *((duplicate,) if duplicate else ())]
        chunk.errors[row.number] = problems
        if row.complete and duplicate and len(problems) == 1:
            chunk.duplicate += 1
        else:
            chunk.invalid += 1

    def _class_of(self, name: str, problems: list[tuple[str, str]]) -> SchoolClass | None:
        klass = self.classes.find(name)
        if klass is False:
            shown = "、".join(self.class_names[:12]) + (_(" etc.") if len(self.class_names) > 12 else "")
            problems.append(("班级", _("“%(name)s” is not a class of this school (its classes: %(classes)s)") % {
                "name": name, "classes": shown} if shown else
                _("“%(name)s” is not a class of this school (it has no classes yet)") % {"name": name}))
            return None
        if klass is None:
            problems.append(("班级", _("“%(name)s” fits several classes of this school: choose the full class name "
                                     "from the list") % {"name": name}))
            return None
        if self.kind == ImportKind.GRADE1 and (klass.stage != "1" or klass.cohort_year != self.cohort):
            problems.append(("班级", _("“%(name)s” is not a grade-1 class of this school year (grade-1 entrants go "
                                     "into grade-1 classes only)") % {"name": name}))
            return None
        return klass

    @staticmethod
    def _dup_key(raw: dict[str, Any], clean: CleanStudent | None) -> int | str | tuple | None:
        """What two rows of one file must not share: the ID number (a compact key), or without one name, sex
        and birth date (a tuple); None when the row gives neither."""
        if clean is not None:
            id_number = clean.student["id_number"] or ""
        else:
            value = raw.get("id_number")
            text = value if type(value) is str else cell_text(value)
            id_number = idnumbers.normalise(text) if text else ""
        if id_number:
            return _id_key(id_number)
        if clean is None:
            return None
        data = clean.student
        return (data["name"], data["sex"], data["birth_date"])

    def _in_file_duplicate(self, number: int, key: int | str | tuple | None) -> tuple[str, str] | None:
        """The error of a row repeating an earlier row's key (the first row holding a key keeps it)."""
        if key is None:
            return None
        if type(key) is tuple:
            first = self.seen_people.setdefault(key, number)
            if first != number:
                return ("姓名", _("Same name, sex and date of birth as row %(row)s, both without an ID number")
                        % {"row": first})
            return None
        first = self.seen_ids.setdefault(key, number)
        if first != number:
            return (self.title_of.get("id_number", "身份证件号"),
                    _("The ID number repeats row %(row)s") % {"row": first})
        return None


@dataclass(slots=True)
class Assessed:
    """One row checked but for the duplicate inside the file: its clean values, its class, its errors so far
    (None on the fast path), its duplicate key, and whether a lone duplicate error would make it a duplicate
    (clean values and a class) rather than an invalid row."""

    number: int
    clean: CleanStudent | None
    klass: SchoolClass | None
    problems: list[tuple[str, str]] | None
    dup_key: int | str | tuple | None
    complete: bool
