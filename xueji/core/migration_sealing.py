"""For the data migrations that seal an existing column (core.sealing; SECURITY.md row 24), as registry's 0011
did: every row of a table read in batches of primary keys with raw SQL (the historical models' fields would
try to open the plaintext), the column sealed under its table and column and its blind indexes computed, and
the batch's changed rows written back by one set-based UPDATE (PostgreSQL: UPDATE ... FROM unnest of one array
per column; elsewhere an executemany).

`specs` are (column, index column or None, tail column or None[, prefix column or None]). `seal_rows` seals (a
value already sealed stays as it is, so a migration run again changes nothing); `open_rows` is its reverse. The
JSON columns (core.fields.SealedJSONField) have `seal_json_rows` / `open_json_rows`: the texts under the ID keys
(or every text, `whole`) sealed or opened, rows with nothing to seal left unwritten."""

import json

from xueji.core import sealing
from xueji.core.fields import ID_KEYS, PREFIX, open_items, seal_items, tail_index

BATCH = 2000


def _seal(aad: bytes, value):
    if not value or value.startswith(sealing.PREFIX):
        return sealing.unseal(value, aad), value
    return value, sealing.seal(value, aad)


def _open(aad: bytes, value):
    plain = sealing.unseal(value, aad)
    return plain, plain


def _batches(cursor, quote, table: str, pk: str, columns: list[str]):
    last = None
    while True:
        after = "" if last is None else f"WHERE {quote(pk)} > %s "
        cursor.execute(f"SELECT {quote(pk)}, {', '.join(quote(c) for c in columns)} FROM {quote(table)} "  # noqa: S608
                       f"{after}ORDER BY {quote(pk)} LIMIT {BATCH}", [] if last is None else [last])
        rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _write(cursor, connection, table: str, pk: str, sets: list[str], updates: list[tuple], casts=None) -> None:
    """One UPDATE of the batch's rows ((values..., pk) each): set-based on PostgreSQL."""
    if not updates:
        return
    quote = connection.ops.quote_name
    casts = casts or {}
    if connection.vendor == "postgresql":
        from xueji.core.db.bulk import text_array

        names = [f"c{i}" for i in range(len(sets))]
        assignments = ", ".join(f"{quote(c)} = CAST(v.{n} AS {casts.get(c, 'text')})"
                                for c, n in zip(sets, names, strict=True))
        arrays = ", ".join(["%s::text[]"] * (len(sets) + 1))
        cursor.execute(f"UPDATE {quote(table)} t SET {assignments} FROM unnest({arrays}) AS v({', '.join(names)}, k) "  # noqa: S608
                       f"WHERE t.{quote(pk)} = CAST(v.k AS bigint)",
                       [text_array([None if u[i] is None else str(u[i]) for u in updates])
                        for i in range(len(sets) + 1)])
        return
    assignments = ", ".join(f"{quote(c)} = %s" for c in sets)
    cursor.executemany(f"UPDATE {quote(table)} SET {assignments} WHERE {quote(pk)} = %s", updates)  # noqa: S608


def _rewrite(schema_editor, table: str, pk: str, specs, convert) -> None:
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    specs = [(*spec, None)[:4] for spec in specs]
    columns = [spec[0] for spec in specs]
    sets = [c for spec in specs for c in spec if c]
    with connection.cursor() as cursor:
        for rows in _batches(cursor, quote, table, pk, columns):
            updates = []
            for row in rows:
                values, changed = [], False
                for (column, index, tail, prefix), value in zip(specs, row[1:], strict=True):
                    plain, stored = convert(f"{table}.{column}".encode(), value)
                    changed |= stored != value
                    values.append(stored)
                    if index:
                        values.append(sealing.blind_index(plain))
                    if tail:
                        values.append(tail_index(plain))
                    if prefix:
                        values.append(plain[:PREFIX] if plain else plain)
                    changed |= bool(index or tail or prefix)
                if changed:
                    updates.append((*values, row[0]))
            _write(cursor, connection, table, pk, sets, updates)


def seal_rows(schema_editor, table: str, pk: str, specs) -> None:
    _rewrite(schema_editor, table, pk, specs, _seal)


def open_rows(schema_editor, table: str, pk: str, specs) -> None:
    _rewrite(schema_editor, table, pk, specs, _open)


def sealer(table: str, pk: str, specs):
    """The RunPython pair (forwards, backwards) for one table."""
    def forwards(apps, schema_editor):
        seal_rows(schema_editor, table, pk, specs)

    def backwards(apps, schema_editor):
        open_rows(schema_editor, table, pk, specs)

    return forwards, backwards


def _rewrite_json(schema_editor, table: str, pk: str, column: str, convert) -> None:
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    cast = {column: "jsonb"} if connection.vendor == "postgresql" else None
    with connection.cursor() as cursor:
        for rows in _batches(cursor, quote, table, pk, [column]):
            updates = []
            for key, text in rows:
                if text is None:
                    continue
                value = json.loads(text) if isinstance(text, str | bytes) else text
                converted = convert(value)
                if converted != value:
                    updates.append((json.dumps(converted, ensure_ascii=False), key))
            _write(cursor, connection, table, pk, [column], updates, cast)


def seal_json_rows(schema_editor, table: str, pk: str, column: str, *, whole: bool = False) -> None:
    aad = f"{table}.{column}".encode()
    _rewrite_json(schema_editor, table, pk, column, lambda value: seal_items(value, aad, ID_KEYS, whole=whole))


def open_json_rows(schema_editor, table: str, pk: str, column: str) -> None:
    aad = f"{table}.{column}".encode()
    _rewrite_json(schema_editor, table, pk, column, lambda value: open_items(value, aad))


def json_sealer(table: str, pk: str, column: str, *, whole: bool = False):
    """The RunPython pair (forwards, backwards) for one JSON column."""
    def forwards(apps, schema_editor):
        seal_json_rows(schema_editor, table, pk, column, whole=whole)

    def backwards(apps, schema_editor):
        open_json_rows(schema_editor, table, pk, column)

    return forwards, backwards
