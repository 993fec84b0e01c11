"""Set-based writes of many rows, the one place for them (issue 7, item 18).

- `TableWriter`: rows as tuples in a fixed column order, appended fast: COPY on PostgreSQL, one prepared INSERT
  run over the batch (executemany) on SQLite. For generated data (the demo, benchmarks).
- `insert_rows`: INSERT ... SELECT FROM unnest() on PostgreSQL (multi-row VALUES elsewhere), with ON CONFLICT DO
  NOTHING and RETURNING. For writes that must skip duplicates or learn the new ids (problem scans).
The bulk import's own COPY text (registry.services.students_copy_prepare) formats on a second thread and is
written by the pipeline; it stays beside the pupil record it writes.

Callers hold the transaction."""

import json
from collections.abc import Sequence

from django.db import connection, models


def _default_of(field: models.Field):
    """The value a new row gets for a field the generator does not fill (`db_default` included)."""
    if field.has_default():
        return field.get_default()
    if field.has_db_default():
        default = field.db_default
        if isinstance(default, models.Value):
            return default.value
        if not hasattr(default, "resolve_expression"):
            return default
    return None if field.null else field.get_default()


class TableWriter:
    """Writes rows given as tuples in `columns` order, set-based: COPY on PostgreSQL, one prepared INSERT run
    over the whole batch (executemany) on SQLite.

    On SQLite, `bulk_create` compiles SQL for every value (about 0.6 ms of CPU per pupil with its details,
    guardians and number); executemany writes the same batches about four times faster (bench/README.md).
    Columns the generator does not fill (fields added to the model later) get the field's default, so a new
    field with a default never breaks the demo.
    """

    _CONVERTED = (models.DateTimeField, models.DateField, models.DecimalField, models.JSONField, models.UUIDField)

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        from xueji.core.fields import BlindIndexField, row_sealer

        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        # Sealed columns (core.fields): their blind indexes are added to the columns and computed per row.
        self.added = tuple(f.attname for f in fields.values() if isinstance(f, BlindIndexField)
                           and f.source in columns and f.attname not in columns)
        self.columns = tuple(columns) + self.added
        self.sealer = row_sealer(model, self.columns)
        unknown = set(self.columns) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
        missing = [f for f in model._meta.concrete_fields if f.attname not in self.columns]
        self.missing = tuple(f.get_db_prep_save(_default_of(f), connection) for f in missing)
        # Values Python's drivers do not take as they are (aware datetimes on SQLite, Decimals, JSON).
        self.converters = [(index, fields[c]) for index, c in enumerate(self.columns)
                           if isinstance(fields[c], self._CONVERTED)]
        quote = connection.ops.quote_name
        names = ", ".join(quote(n) for n in [fields[c].column for c in self.columns] + [f.column for f in missing])
        table = quote(model._meta.db_table)
        self.copy_sql = f"COPY {table} ({names}) FROM STDIN"
        placeholders = ", ".join(["%s"] * (len(self.columns) + len(missing)))
        self.insert_sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608

    def write(self, rows: Sequence[tuple]) -> None:
        if not rows:
            return
        extra = self.missing
        if self.sealer is not None:
            blanks, sealer = (None,) * len(self.added), self.sealer
            rows = [sealer(row + blanks) for row in rows]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor, cursor.copy(self.copy_sql) as copy:
                write_row = copy.write_row
                for row in rows:
                    write_row(row + extra if extra else row)
            return
        prepared = []
        converters = self.converters
        cache: dict[tuple[int, object], object] = {}  # created_at and dates repeat a lot
        for row in rows:
            if converters:
                row = list(row)
                for index, field in converters:
                    value = row[index]
                    key = (index, value)
                    converted = cache.get(key)
                    if converted is None:
                        converted = cache[key] = field.get_db_prep_save(value, connection)
                    row[index] = converted
                row = tuple(row)
            prepared.append(row + extra if extra else row)
        with connection.cursor() as cursor:
            cursor.executemany(self.insert_sql, prepared)


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _quoted(value: str | None) -> str:
    if value is None:
        return "NULL"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def text_array(values: Sequence[str | None]) -> str:
    """PostgreSQL's array literal of these texts ('{"a","b",NULL}'), to pass as one text parameter with a cast
    (`%s::text[]`): Django's client-side binding makes psycopg dump a list element by element, about four times
    slower than this for the thousands of values of a bulk write (every element quoted, so no value is taken
    for NULL or splits)."""
    return "{" + ",".join(map(_quoted, values)) + "}"


def int_array(values: Sequence[int]) -> str:
    """PostgreSQL's array literal of these integers ('{1,2,3}'), for `%s::bigint[]`; see `text_array`."""
    return "{" + ",".join(str(int(v)) for v in values) + "}"


def upsert_add(table: str, columns: Sequence[str], types: Sequence[str], key: Sequence[str], rows: Sequence[tuple],
               *, select: str = "", join: str = "") -> None:
    """PostgreSQL: add each row's count (its last value, column `n`) to the row of its key, set-based: one
    statement per 10,000 rows, INSERT ... SELECT FROM unnest (one text array per value, `types` their SQL types)
    WITH ORDINALITY in the rows' own order (the callers pass them in key order, so two transactions lock summary
    rows in the same order) ON CONFLICT (key) DO UPDATE SET n = n + excluded.n. The keys of `rows` are distinct.
    `select`: the inserted columns' expressions over the values u.c0, u.c1, ... when they are not the values as
    they are (e.g. a path looked up through `join`). Nothing is parsed per value: a VALUES list of thousands of
    placeholders costs psycopg more than the database."""
    if not rows:
        return
    quoted = connection.ops.quote_name(table)
    names = [f"c{i}" for i in range(len(types))]
    casts = ", ".join(f"CAST({name} AS {kind}) AS {name}" for name, kind in zip(names, types, strict=True))
    arrays = ", ".join(["%s::text[]"] * len(types))
    select = select or ", ".join(f"u.{name}" for name in names)
    sql = (f"INSERT INTO {quoted} ({', '.join(columns)}) SELECT {select} FROM (SELECT {casts}, ord FROM "  # noqa: S608
           f"unnest({arrays}) WITH ORDINALITY AS v({', '.join(names)}, ord)) u {join} ORDER BY u.ord "
           f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET n = {quoted}.n + excluded.n")
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 10000):
            batch = rows[start:start + 10000]
            cursor.execute(sql, [text_array([_as_text(row[i]) for row in batch]) for i in range(len(types))])


def insert_rows(model, fields: list[str], rows: list[tuple], *, ignore_conflicts: bool = False,
            returning: tuple[str, ...] = ()) -> list[tuple] | None:
    """INSERT many rows set-based. On PostgreSQL one statement per 10,000 rows: INSERT ... SELECT FROM unnest() of
    one array per column; elsewhere multi-row VALUES. (bulk_create spends most of a scan's time building model
    instances, and a VALUES list of thousands of parameters is slow for PostgreSQL to parse.) With `returning`,
    PostgreSQL gives back those columns of the rows it inserted; elsewhere None (the caller reads them)."""
    if not rows:
        return [] if returning else None
    # Sealed columns (core.fields): sealed here, their blind indexes added and computed per row (the PostgreSQL
    # path passes text, never through the fields' get_db_prep_save).
    model_fields, rows, sealed = _sealed_rows(model, [model._meta.get_field(name) for name in fields], rows)
    fields = [f.name for f in model_fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in model_fields)
    suffix = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ", ".join(f"c{i}" for i in range(len(fields)))
            casts = ", ".join(f"CAST(c{i} AS {f.db_type(connection)})" for i, f in enumerate(model_fields))
            arrays = ", ".join(["%s::text[]"] * len(fields))
            back = f" RETURNING {', '.join(quote(c) for c in returning)}" if returning else ""
            out: list[tuple] = []
            for start in range(0, len(rows), 10000):
                batch = rows[start:start + 10000]
                cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {casts} "  # noqa: S608
                               f"FROM unnest({arrays}) AS u({names}){' WHERE true' if suffix else ''}{suffix}{back}",
                               [text_array([_as_text(row[i]) for row in batch]) for i in range(len(fields))])
                if returning:
                    out.extend(cursor.fetchall())
            return out if returning else None
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        size = max(1, 900 // len(fields))  # SQLite's variable limit
        for start in range(0, len(rows), size):
            batch = rows[start:start + size]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(batch))}{suffix}",  # noqa: S608
                           [v if i in sealed else f.get_db_prep_save(v, connection) for row in batch
                            for i, (f, v) in enumerate(zip(model_fields, row, strict=True))])
    return None


def _sealed_rows(model, model_fields: list, rows: Sequence[tuple], *, skip: int = 0) -> tuple[list, list, set]:
    """The columns and rows a bulk write stores when some are sealed (core.fields): each row's sealed values sealed
    and the blind indexes of their sources added as columns and computed; the positions of the sealed columns
    (their values go to the database as they are). `skip` leading values of a row (an UPDATE's key) pass through."""
    from xueji.core.fields import BlindIndexField, SealedCharField, row_sealer

    attnames = [f.attname for f in model_fields]
    added = [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField) and f.source in attnames
             and f.attname not in attnames]
    sealer = row_sealer(model, attnames + [f.attname for f in added])
    if sealer is None:
        return model_fields, rows, set()
    blanks = (None,) * len(added)
    rows = [(*row[:skip], *sealer(tuple(row[skip:]) + blanks)) for row in rows]
    model_fields = [*model_fields, *added]
    return model_fields, rows, {i for i, f in enumerate(model_fields) if isinstance(f, SealedCharField)}


def update_rows(model, key: str, fields: list[str], rows: Sequence[tuple], *, where: str = "",
                where_params: Sequence = (), returning: tuple[str, ...] = ()) -> list[tuple]:
    """UPDATE many rows to per-row values, set-based: `rows` are (key value, field values...). One statement per
    10,000 rows: on PostgreSQL UPDATE ... FROM (unnest of one array per column), elsewhere UPDATE ... FROM
    (VALUES ...) (SQLite 3.33+). `where` adds a condition on the table's own columns (unqualified, e.g.
    "verify_status IN (%s, %s)"); with `returning`, the rows changed come back (those columns). Callers hold the
    transaction; bulk_update's CASE per row grows with the square of the batch on PostgreSQL."""
    if not rows:
        return []
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    key_field = model._meta.get_field(key)
    # Sealed columns (core.fields): sealed here, their blind indexes added and computed per row (after the key).
    model_fields, rows, sealed = _sealed_rows(model, [model._meta.get_field(name) for name in fields], rows, skip=1)
    fields = [f.name for f in model_fields]
    sealed = {i + 1 for i in sealed}
    names = [f"_v{i}" for i in range(len(fields))]
    sets = ", ".join(f"{quote(f.column)} = v.{n}" for f, n in zip(model_fields, names, strict=True))
    condition = f" AND ({where})" if where else ""
    back = f" RETURNING {', '.join(f'{table}.{quote(c)}' for c in returning)}" if returning else ""
    out: list[tuple] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            casts = ", ".join(f"CAST({n} AS {f.db_type(connection)}) AS {n}"
                              for f, n in zip(model_fields, names, strict=True))
            arrays = ", ".join(["%s::text[]"] * (len(fields) + 1))
            for start in range(0, len(rows), 10000):
                batch = rows[start:start + 10000]
                cursor.execute(f"UPDATE {table} SET {sets} FROM (SELECT CAST(_k AS {key_field.db_type(connection)}) "  # noqa: S608
                               f"AS _k, {casts} FROM unnest({arrays}) AS u(_k, {', '.join(names)})) AS v "
                               f"WHERE {table}.{quote(key_field.column)} = v._k{condition}{back}",
                               [text_array([_as_text(row[i]) for row in batch]) for i in range(len(fields) + 1)]
                               + list(where_params))
                if returning:
                    out.extend(cursor.fetchall())
            return out
        all_fields = [key_field, *model_fields]
        one = "(" + ", ".join(["%s"] * len(all_fields)) + ")"
        size = max(1, 900 // len(all_fields))
        columns = ", ".join(f"column{i + 2} AS {n}" for i, n in enumerate(names))
        for start in range(0, len(rows), size):
            batch = rows[start:start + size]
            cursor.execute(f"UPDATE {table} SET {sets} FROM (SELECT column1 AS _k, {columns} FROM "  # noqa: S608
                           f"(VALUES {', '.join([one] * len(batch))})) AS v "
                           f"WHERE {table}.{quote(key_field.column)} = v._k{condition}{back}",
                           [value if i in sealed else f.get_db_prep_save(value, connection) for row in batch
                            for i, (f, value) in enumerate(zip(all_fields, row, strict=True))]
                           + list(where_params))
            if returning:
                out.extend(cursor.fetchall())
    return out


# Statistics after bulk loads (issue 14, item 7) ---------------------------------------------------------------

# autovacuum's own rule (autovacuum_analyze_threshold + autovacuum_analyze_scale_factor × rows): a load that
# changed more than this since the last ANALYZE leaves plans built on statistics of another table.
ANALYZE_THRESHOLD = 50
ANALYZE_SCALE = 0.1


def analyze_changed(changed: dict, *, force: bool = False) -> list[str]:
    """Refresh the planner's statistics of the tables a bulk load just changed ({model: rows changed}), at once
    rather than whenever autovacuum comes (late, or never where it is off): on PostgreSQL, ANALYZE each table
    whose changes since its last ANALYZE (the server's count plus the rows just changed, which the server may
    not have counted yet) pass autovacuum's threshold, or every one with `force`. Returns the tables analysed.
    SQLite plans without statistics unless asked: nothing to do there. Run outside the load's transaction
    where possible (ANALYZE inside it sees the new rows too, but holds its lock to the commit)."""
    if connection.vendor != "postgresql":
        return []
    tables = {model._meta.db_table: rows for model, rows in changed.items() if rows or force}
    if not tables:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname, c.reltuples, COALESCE(s.n_mod_since_analyze, 0) FROM pg_class c "
                       "LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid "
                       "WHERE c.relname = ANY(%s) AND c.relkind = 'r' AND pg_table_is_visible(c.oid)", [list(tables)])
        stale = [name for name, reltuples, modified in cursor.fetchall()
                 if force or modified + tables[name] > ANALYZE_THRESHOLD + ANALYZE_SCALE * max(reltuples, 0)]
        if stale:
            quote = connection.ops.quote_name
            cursor.execute(f"ANALYZE {', '.join(quote(name) for name in sorted(stale))}")
    return sorted(stale)
