"""Checking import rows in a second process (issue 14, item 4), so the checks keep pace with the writer.

The checks of a row are Python and hold the GIL: on one thread they took most of a large import's time while
PostgreSQL waited for rows. Here a pool of checking processes (XUEJI_IMPORT_CHECK_PROCESSES, one by default:
the machine's other core is the database's) runs the very same `RowChecker.assess` — the one row validator,
`registry.validation.validate_row`, and the class lookup — over whole chunks, and formats the rows that passed
as COPY text under id 0. The importing process keeps what depends on the order of the rows and on its
connection: the duplicate check inside the file (`RowChecker.settle`, row by row in file order, so the result
is the same as checking on one thread), the ids (nextval) and the error report.

What crosses between the processes is small: the rows as read (cells), and back per row its errors, its
duplicate key, its class id and the few identity values the writer's check against stored pupils needs
(name, sex, birth date, ID numbers), plus the COPY text of the chunk. A pool serves one import and is shut
down with it; processes start from a fork server (a clean process without threads or connections), set up
Django and open their own connection to the same database for the school's classes.
"""

import multiprocessing
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from django.conf import settings
from django.db import connection

# No model is imported at the top: a checking process unpickles `_init` from this module before Django is set up.

_worker: dict[str, Any] = {}  # in a checking process: its RowChecker and what formatting needs


def check_processes() -> int:
    return int(getattr(settings, "XUEJI_IMPORT_CHECK_PROCESSES", 1))


def min_bytes() -> int:
    """Smaller files are checked on the importing thread: starting a process costs about a second."""
    return int(getattr(settings, "XUEJI_IMPORT_PROCESS_MIN_BYTES", 8 * 1024 * 1024))


def _init(spec: dict) -> None:
    """A checking process: Django on the importing process's database, then the same RowChecker."""
    import django

    settings.DATABASES["default"]["NAME"] = spec["database"]  # loads the settings; no connection exists yet
    django.setup()
    from django.db import connections
    from django.utils import translation

    from xueji.exchange.checking import RowChecker
    from xueji.exchange.readers import match_columns
    from xueji.schools.models import School

    translation.activate(spec["language"])
    school = School.objects.select_related("org_unit").get(pk=spec["school"])
    checker = RowChecker(school=school, kind=spec["kind"], columns=match_columns(spec["header"],
                                                                                   offset=spec["offset"]),
                         formulas=spec["formulas"], today=spec["today"], typed_cells=spec["typed_cells"])
    _worker.update(checker=checker, school=school, province=spec["province"])
    connections.close_all()  # nothing more to read: no connection held while it checks


def _slim(clean):
    """What the writer reads of a good row (registry.services.identity_of, the first guardian's ID number)."""
    from xueji.registry.validation import CleanStudent

    data = clean.student
    student = {"id_number": data.get("id_number"), "name": data.get("name", ""), "sex": data.get("sex", ""),
               "birth_date": data.get("birth_date")}
    guardians = [{"id_number": clean.guardians[0].get("id_number")}] if clean.guardians else []
    return CleanStudent(student=student, guardians=guardians, class_name=clean.class_name)


def _check(rows: list[tuple[int, Any]], ids: list[int]) -> tuple[list[tuple], Any]:
    """Assess a chunk (every check but the in-file duplicate) and format the rows that passed under the ids the
    importing process reserved for the chunk, in order (a registry.services.PreparedPupils, or None; ids the
    failed rows leave unused are gaps, as nextval allows)."""
    from xueji.exchange.checking import unpack_cells
    from xueji.registry.services import students_copy_prepare

    checker = _worker["checker"]
    out, passed = [], []
    for number, packed in rows:
        row = checker.assess(number, unpack_cells(packed))
        klass = row.klass.pk if row.klass is not None else None
        if row.problems:
            out.append((number, klass, row.problems, row.dup_key, row.complete, None))
        else:
            passed.append((row.klass, row.clean))
            out.append((number, klass, None, row.dup_key, row.complete, _slim(row.clean)))
    prepared = students_copy_prepare(school=_worker["school"], rows=passed, ids=ids[:len(passed)],
                                     province_code=_worker["province"]) if passed else None
    return out, prepared


class ProcessChecker:
    """Chunks go to the checking processes as they are read, with ids reserved for their rows (nextval, here: a
    checking process holds no connection); they come back, in order, settled by the importing process's RowChecker
    (the in-file duplicates). A row the in-file check drops is left out of the COPY by its position
    (`Chunk.prepared_at`), its id a gap."""

    def __init__(self, checker, *, processes: int, header: list[Any], offset: int, province: str) -> None:
        from django.utils.translation import get_language

        self.checker = checker
        self.classes = {k.pk: k for k in checker.classes.lookup.values() if k is not None}
        spec = {"database": connection.settings_dict["NAME"], "language": get_language(),
                "school": checker.school.pk, "kind": checker.kind, "header": header, "offset": offset,
                "formulas": checker.formulas, "today": checker.today, "typed_cells": checker.typed_cells,
                "province": province}
        self.pool = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("forkserver"),
                                        initializer=_init, initargs=(spec,))
        self.depth = processes + 1  # chunks in flight: each process busy, one more queued
        self.pending: deque = deque()

    def submit(self, rows: list[tuple[int, list[Any]]]) -> list:
        from xueji.exchange.checking import pack_cells
        from xueji.registry.services import students_copy_reserve

        packed = [(number, pack_cells(cells)) for number, cells in rows]  # kept for the report, sent as they are
        self.pending.append((packed, self.pool.submit(_check, packed, students_copy_reserve(len(rows)))))
        done = []
        while len(self.pending) > self.depth:
            done.append(self._settle(*self.pending.popleft()))
        return done

    def finish(self) -> list:
        try:
            return [self._settle(*self.pending.popleft()) for _n in range(len(self.pending))]
        finally:
            self.close()

    def close(self) -> None:
        self.pending.clear()
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _settle(self, rows: list[tuple[int, list[Any]]], future):
        from xueji.exchange.checking import Assessed, Chunk

        assessed, prepared = future.result()
        chunk = Chunk(rows=dict(rows), total=len(rows))
        keep: list[int] = []
        position = 0
        for number, klass, problems, dup_key, complete, clean in assessed:
            row = Assessed(number, clean, self.classes.get(klass), problems, dup_key, complete)
            before = len(chunk.good)
            self.checker.settle(row, chunk)
            if problems is None:  # formatted by the process: kept if it is still good
                if len(chunk.good) > before:
                    keep.append(position)
                position += 1
        if keep:
            chunk.prepared, chunk.prepared_at = prepared, keep
        return chunk
