"""The bulk import pipeline: read → check each row (the one row validator, the class, duplicates) → write the
valid rows as drafts, chunk by chunk → error report → one audit event for the batch.

- Memory stays bounded: rows are read and checked CHUNK_ROWS at a time; what is kept for the whole file is one
  small key per pupil for the duplicate check inside the file (about 100 bytes each).
- Each chunk is written in one transaction together with the batch's counters, under the identity lock, so
  after a crash the written chunks are complete valid drafts, the counters say what was written, and running
  the same file again counts those rows as already imported instead of writing them twice.
- On PostgreSQL the main thread also formats each chunk's good rows as COPY text (ids reserved with nextval),
  and, outside a surrounding transaction, a writer thread with its own connection checks existing records and
  streams chunk k's bytes with COPY while the main thread reads, checks and formats chunk k+1: Python works on
  one core while the database ingests on the other, and the writer needs the GIL only briefly.
- A large file on PostgreSQL (XUEJI_IMPORT_PROCESS_MIN_BYTES) is checked in a checking process
  (parallel.py) running the same checks, so the checks keep pace with the writer (issue 14); the importing
  thread then only reads, settles the in-file duplicates in order, reserves ids and reports.
- The first chunks are small (500, 1,000, 2,000 rows) so the writer starts early even for a short file.
- After the batch, the statistics of the pupil tables are refreshed when it changed them enough (core.db).

The checking of rows lives in `checking.py`, the reading of files in `readers.py`, the checking of one row in
`registry.validation`.
"""

import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Any

import xlsxwriter
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from xueji.accounts.permissions import Cap
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.db import analyze_changed
from xueji.core.errors import ValidationFailed, XuejiError
from xueji.core.messages import user_message
from xueji.core.spreadsheets import safe_cell
from xueji.exchange import parallel
from xueji.exchange.checking import (  # noqa: F401 - _id_key for tests
    Chunk,
    ChunkOutcome,
    GoodRow,
    RowChecker,
    _id_key,
    unpack_cells,
)
from xueji.exchange.models import ImportBatch, ImportStatus
from xueji.exchange.readers import cell_text, match_columns, open_source
from xueji.exchange.uploads import discard
from xueji.jobs.models import FileScope
from xueji.jobs.registry import job_handler
from xueji.regions.models import province_code_of
from xueji.registry.guards import room_in
from xueji.registry.models import FamilyMember, Student, StudentDetail
from xueji.registry.services import (
    identity_holders,
    identity_lock,
    identity_of,
    students_copy_write,
    students_insert,
)
from xueji.schools.models import School

logger = logging.getLogger(__name__)

CHUNK_ROWS = 2000  # a transaction of the writer; 2,000 keeps a large import under 500 MB (issue 14)
REPORT_MAX_LINES = 1_000_000  # an xlsx sheet holds 1,048,576 rows
REPORT_HEADER = ["行号", "列", "错误原因"]


def mask_name(name: str) -> str:
    return (name[:1] + "*" * (len(name) - 1)) if name else ""


# Writing chunks ----------------------------------------------------------------------------------------------

def _existing(school: School, good: list[GoodRow]) -> tuple[list[GoodRow], int, dict[int, list[tuple[str, str]]]]:
    """Split checked rows by what the registry already holds: (rows to insert, count already imported here,
    errors of rows duplicating another record). The one duplicate rule of every path (registry.services.
    identity_holders): the ID number anywhere; for a pupil without one, name + sex + birth date within the school.
    What only an import adds: a record of this school is the same row imported before (counted, not an error)."""
    holders = identity_holders(school=school, identities=[identity_of(g.clean.student) for g in good])
    guardian_ids: dict[int, set[str]] = {}
    matched_no_id = [h.pk for g, found in zip(good, holders, strict=True) if not g.clean.student.get("id_number")
                     for h in found]
    if matched_no_id:
        for student_id, number in FamilyMember.objects.filter(student_id__in=matched_no_id).values_list(
                "student_id", "id_number"):
            guardian_ids.setdefault(student_id, set()).add(number)
    insert: list[GoodRow] = []
    already = 0
    errors: dict[int, list[tuple[str, str]]] = {}
    for g, found in zip(good, holders, strict=True):
        data = g.clean.student
        if not found:
            insert.append(g)
        elif data.get("id_number"):
            if any(h.school_id == school.pk for h in found):
                already += 1
            else:
                holder = found[0]
                errors[g.number] = [("身份证件号", _(
                    "This ID number already has a record: %(school)s (%(name)s); it cannot be registered twice: if "
                    "it is the same pupil, file a transfer") % {"school": holder.school_name,
                                                                "name": mask_name(holder.name)})]
        else:
            guardian = g.clean.guardians[0].get("id_number") if g.clean.guardians else None
            if any(not h.id_number and guardian and guardian in guardian_ids.get(h.pk, ()) for h in found):
                already += 1  # the same pupil (same guardian) imported before
            else:
                errors[g.number] = [("姓名", _("This school already has a record with the same name, sex and date "
                                               "of birth (%(name)s); it cannot be registered twice") % {
                    "name": mask_name(data["name"])})]
    return insert, already, errors


def _within_room(insert: list[GoodRow]) -> tuple[list[GoodRow], dict[int, list[tuple[str, str]]]]:
    """Keep, class by class and in file order, as many rows as the class has room for (class-size caps); the
    others get the refusal as their row's error. Locks the classes (registry.guards.room_in): the room holds until
    the chunk's transaction ends, and the door's own check (students_copy_write / students_insert) then passes."""
    rooms = room_in({g.klass.pk for g in insert})
    if not rooms:
        return insert, {}
    left = {pk: room.left for pk, room in rooms.items()}
    kept: list[GoodRow] = []
    refused: dict[int, list[tuple[str, str]]] = {}
    for g in insert:
        pk = g.klass.pk
        if pk in left:
            if left[pk] <= 0:
                refused[g.number] = [("班级", user_message(rooms[pk].refusal))]
                continue
            left[pk] -= 1
        kept.append(g)
    return kept, refused


def write_chunk(batch_id: int, school: School, chunk: Chunk) -> ChunkOutcome:
    """One transaction: identity lock, check existing records, keep the rows the classes have room for, insert the
    new drafts, add to the counters."""
    began = time.perf_counter()
    with transaction.atomic():
        identity_lock()
        insert, already, errors = _existing(school, chunk.good)
        insert, full = _within_room(insert)
        if insert and chunk.prepared is not None:
            at = chunk.prepared_at or range(len(chunk.good))
            position = {id(g): at[i] for i, g in enumerate(chunk.good)}
            students_copy_write(chunk.prepared, [position[id(g)] for g in insert])
        elif insert:
            students_insert(school=school, rows=[(g.klass, g.clean) for g in insert])
        ImportBatch.objects.filter(pk=batch_id).update(
            total_rows=F("total_rows") + chunk.total, valid_rows=F("valid_rows") + len(insert),
            invalid_rows=F("invalid_rows") + chunk.invalid + len(full),
            duplicate_rows=F("duplicate_rows") + chunk.duplicate + len(errors),
            already_imported_rows=F("already_imported_rows") + already)
    return ChunkOutcome(chunk=chunk, inserted=len(insert), already=already, duplicate=len(errors),
                        errors={**errors, **full}, seconds=time.perf_counter() - began)


class InlineWriter:
    """Writes each chunk as it comes, on this thread's connection (SQLite, or inside a transaction)."""

    threaded = False

    def __init__(self, write: Callable[[Chunk], ChunkOutcome]) -> None:
        self.write = write

    def submit(self, chunk: Chunk) -> list[ChunkOutcome]:
        return [self.write(chunk)]

    def finish(self) -> list[ChunkOutcome]:
        return []

    def abort(self) -> None:
        pass


class ThreadedWriter:
    """Writes chunk k on a thread with its own connection while the caller checks chunk k+1."""

    threaded = True

    def __init__(self, write: Callable[[Chunk], ChunkOutcome]) -> None:
        self.write = write
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer")
        self.pending: deque = deque()
        self.closed = False

    def _run(self, chunk: Chunk) -> ChunkOutcome:
        return self.write(chunk)

    def submit(self, chunk: Chunk) -> list[ChunkOutcome]:
        done = [future.result() for future in self._drain()]
        self.pending.append(self.pool.submit(self._run, chunk))
        return done

    def _drain(self) -> Iterator:
        while self.pending:
            yield self.pending.popleft()

    def finish(self) -> list[ChunkOutcome]:
        try:
            return [future.result() for future in self._drain()]
        finally:
            self.abort()

    def abort(self) -> None:
        """Wait for what is in flight, close the writer thread's connection and stop the thread (idempotent)."""
        if self.closed:
            return
        self.closed = True
        for future in list(self.pending):
            try:
                future.result()
            except Exception:  # noqa: S110 - the first failure is already being reported
                pass
        self.pending.clear()
        try:
            self.pool.submit(connections.close_all).result()  # the writer thread's own connection
        finally:
            self.pool.shutdown(wait=True)


def use_writer_thread() -> bool:
    return (connection.vendor == "postgresql" and not connection.in_atomic_block
            and getattr(settings, "XUEJI_IMPORT_WRITER_THREAD", True))


# The error report --------------------------------------------------------------------------------------------

class ErrorReport:
    """xlsx, one line per error: row number (as in the file), column, reason, then the row's original cells.
    Written as the chunks finish (constant memory); created on the first error only."""

    def __init__(self, path_factory: Callable[[], Path], titles: list[str]) -> None:
        self.path_factory = path_factory
        self.titles = titles
        self.workbook = None
        self.sheet = None
        self.path: Path | None = None
        self.lines = 0
        self.truncated = False

    def _open(self) -> None:
        self.path = self.path_factory()
        self.workbook = xlsxwriter.Workbook(str(self.path), {"constant_memory": True, "strings_to_formulas": False,
                                                             "strings_to_numbers": False, "strings_to_urls": False})
        self.sheet = self.workbook.add_worksheet("错误报告")
        bold = self.workbook.add_format({"bold": True, "bg_color": "#FDE9E7"})
        self.sheet.write_row(0, 0, REPORT_HEADER + [safe_cell(t) for t in self.titles], bold)
        self.sheet.set_column(0, 0, 8)
        self.sheet.set_column(1, 1, 16)
        self.sheet.set_column(2, 2, 60)
        self.sheet.freeze_panes(1, 3)

    def add(self, errors: dict[int, list[tuple[str, str]]], rows: dict[int, Any]) -> None:
        for number in sorted(errors):
            cells = [safe_cell(cell_text(c)) for c in unpack_cells(rows.get(number, ()))]
            for column, reason in errors[number]:
                if self.lines >= REPORT_MAX_LINES:
                    self.truncated = True
                    return
                if self.workbook is None:
                    self._open()
                self.lines += 1
                self.sheet.write_row(self.lines, 0, [number, safe_cell(column), safe_cell(reason), *cells])

    def close(self) -> None:
        if self.workbook is not None:
            if self.truncated:
                self.sheet.write_row(self.lines + 1, 0, ["", "", f"错误超过 {REPORT_MAX_LINES} 条，其余未列出"])
            self.workbook.close()
            self.workbook = None


# The whole import --------------------------------------------------------------------------------------------

FIRST_CHUNKS = (500, 1000, 2000)  # small first chunks start the writer early: a short file overlaps too


def _chunks(rows: Iterator[tuple[int, list[Any]]], size: int,
            first: tuple[int, ...] = FIRST_CHUNKS) -> Iterator[list[tuple[int, list[Any]]]]:
    sizes = [min(n, size) for n in first if n < size]
    while chunk := list(islice(rows, sizes.pop(0) if sizes else size)):
        yield chunk


def _media_path(relative: str) -> Path:
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def run_import(batch: ImportBatch, *, progress: Callable[[int, str | None], None] | None = None,
               report_path: Callable[[], Path] | None = None, chunk_rows: int | None = None,
               threaded: bool | None = None, keep_file: bool = False) -> dict:
    """Run an import to the end. On failure the batch is marked failed with the reason (chunks already written
    stay, as valid drafts) and the exception is raised again."""
    began = time.perf_counter()
    school = batch.school
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING, started_at=clock.now())
    relative_report = f"imports/reports/{batch.pk}/errors.xlsx"

    def default_report_path() -> Path:
        return _media_path(relative_report)

    report_factory = report_path or default_report_path
    chosen_report: list[Path] = []

    def make_report_path() -> Path:
        chosen_report.append(report_factory())
        return chosen_report[0]

    stored = batch.stored_file
    source = None
    report: ErrorReport | None = None
    writer = None
    checking: parallel.ProcessChecker | None = None
    timings = {"check_s": 0.0, "write_s": 0.0}
    try:
        source = open_source(Path(settings.MEDIA_ROOT) / stored, batch.file_type, batch.file_name)
        header = source.open()
        columns = match_columns(header, offset=getattr(source, "start_col", 0))
        ImportBatch.objects.filter(pk=batch.pk).update(warnings=columns.warnings,
                                                       encoding=source.encoding_label)
        checker = RowChecker(school=school, kind=batch.kind, columns=columns, formulas=source.formula_cells(),
                             today=clock.today(), typed_cells=source.file_type == "xlsx")
        report = ErrorReport(make_report_path, columns.titles)
        use_thread = use_writer_thread() if threaded is None else threaded
        prepare = connection.vendor == "postgresql"
        writer = (ThreadedWriter if use_thread else InlineWriter)(lambda c: write_chunk(batch.pk, school, c))
        done_rows = 0

        def finished(outcomes: list[ChunkOutcome]) -> None:
            nonlocal done_rows
            for outcome in outcomes:
                merged = dict(outcome.chunk.errors)
                for number, problems in outcome.errors.items():
                    merged.setdefault(number, []).extend(problems)
                report.add(merged, outcome.chunk.rows)
                timings["write_s"] += outcome.seconds
                done_rows += outcome.chunk.total
                if progress:
                    progress(min(99, int(source.fraction_done * 99)), None)

        processes = parallel.check_processes() if prepare and use_thread else 0
        if processes and (Path(settings.MEDIA_ROOT) / stored).stat().st_size >= parallel.min_bytes():
            checking = parallel.ProcessChecker(checker, processes=processes, header=header,
                                               offset=getattr(source, "start_col", 0),
                                               province=province_code_of(school.org_unit) or "")
            timings["check_processes"] = processes
        for rows in _chunks(source.rows(), chunk_rows or CHUNK_ROWS, first=() if chunk_rows else FIRST_CHUNKS):
            started = time.perf_counter()
            chunks = checking.submit(rows) if checking else [checker.check_chunk(rows, prepare=prepare)]
            timings["check_s"] += time.perf_counter() - started
            for chunk in chunks:
                finished(writer.submit(chunk))
        if checking:
            started = time.perf_counter()
            for chunk in checking.finish():
                finished(writer.submit(chunk))
            timings["check_s"] += time.perf_counter() - started
            checking = None
        finished(writer.finish())
        writer = None
        report.close()
        if not done_rows:
            raise ValidationFailed(f"“{batch.file_name}”只有列标题，没有学生数据。", code="no_rows", field="file")
    except BaseException as exc:
        for cleanup in (checking.close if checking is not None else None,
                        writer.abort if writer is not None else None, report.close if report is not None else None):
            try:
                if cleanup is not None:
                    cleanup()
            except Exception:  # the first failure is the one to report
                logger.exception("cleaning up after a failed import")
        _finish(batch, status=ImportStatus.FAILED, report=report, chosen=chosen_report, timings=timings,
                began=began, failure=_reason(exc))
        raise
    finally:
        if source is not None:
            source.close()
        if not keep_file:
            discard(stored)
    result = _finish(batch, status=ImportStatus.SUCCEEDED, report=report, chosen=chosen_report, timings=timings,
                     began=began)
    if progress:
        progress(100, f"导入完成：共 {result['total_rows']} 行，新增 {result['valid_rows']} 人，"
                      f"错误 {result['invalid_rows']} 行，重复 {result['duplicate_rows']} 行，"
                      f"此前已导入 {result['already_imported_rows']} 行")
    return result


def _reason(exc: BaseException) -> str:
    """What the user reads: a refusal's own message; for anything else a plain sentence (the exception's text can
    hold server paths and SQL: it goes to the server log, see jobs.services.job_run)."""
    if isinstance(exc, XuejiError):
        return str(exc.message)
    return str(_("The import stopped because of an internal error. The rows written before it are kept as drafts; "
                 "run it again or upload the file again to continue. Details are in the server log."))


def _finish(batch: ImportBatch, *, status: str, report: ErrorReport | None, chosen: list[Path], timings: dict,
            began: float, failure: str = "") -> dict:
    wall = time.perf_counter() - began
    batch.refresh_from_db()
    relative = ""
    if chosen and report is not None and report.lines:
        relative = str(chosen[0].relative_to(Path(settings.MEDIA_ROOT)))
    timings = {k: round(v, 3) for k, v in timings.items()}
    timings["wall_s"] = round(wall, 3)
    timings["rows_per_s"] = round(batch.total_rows / wall, 1) if wall > 0 else None
    warnings = list(batch.warnings or [])
    if report is not None and report.truncated:
        warnings.append(f"错误超过 {REPORT_MAX_LINES} 条，错误报告只列出前 {REPORT_MAX_LINES} 条")
    batch.status = status
    batch.failure = failure
    batch.error_report = relative
    batch.error_count = report.lines if report is not None else 0
    batch.timings = timings
    batch.warnings = warnings
    batch.finished_at = clock.now()
    batch.stored_file = ""
    batch.save(update_fields=["status", "failure", "error_report", "error_count", "timings", "warnings",
                              "finished_at", "stored_file"])
    counts = {"total_rows": batch.total_rows, "valid_rows": batch.valid_rows, "invalid_rows": batch.invalid_rows,
              "duplicate_rows": batch.duplicate_rows, "already_imported_rows": batch.already_imported_rows}
    audit_record(actor=batch.created_by, action="student.import", obj=batch, success=status == ImportStatus.SUCCEEDED,
                 org_unit=batch.school.org_unit,
                 after={"status": status, "kind": batch.kind, "file": batch.file_name, "sha256": batch.sha256,
                        "size": batch.file_size, **counts, "errors": batch.error_count, "failure": failure[:500],
                        "timings": timings})
    try:  # the batch's rows in the planner's statistics (when they change the tables enough: core.db)
        written = batch.valid_rows
        with transaction.atomic():
            analyze_changed({Student: written, StudentDetail: written, FamilyMember: 2 * written})
    except Exception:  # statistics are an optimisation: never the reason an import fails
        logger.exception("ANALYZE after import batch %s", batch.pk)
    return {"batch": batch.pk, "status": status, **counts, "errors": batch.error_count, "timings": timings}


@job_handler("exchange.import_students", rerun=lambda job, actor: _services().import_rerun(job, actor),
             interrupted=lambda job: _services().import_interrupted(job),
             cleanup=lambda cutoff: _services().import_uploads_cleanup(cutoff))
def import_students_job(ctx) -> dict:
    batch = ImportBatch.objects.select_related("school__org_unit", "created_by").get(pk=ctx.params["batch"])
    if batch.status != ImportStatus.QUEUED:
        return {"batch": batch.pk, "status": batch.status, "skipped": True}
    # The error report holds the rows as typed, full ID numbers included: it needs the ID right; the school's
    # authorities (registrars with that right over the school) read it too, as on /imports/{id}/errors/.
    return run_import(batch, progress=ctx.progress,
                      report_path=lambda: ctx.result_path("errors.xlsx", needs=Cap.STUDENT_VIEW_ID,
                                                          scope=FileScope.JURISDICTION))


def _services():
    from xueji.exchange import services  # services start jobs; the handler is registered here, at import time

    return services
