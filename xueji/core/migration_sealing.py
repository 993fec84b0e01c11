"""For the data migrations that seal an existing column (core.sealing; SECURITY.md row 24), as registry's 0011
did: every row of a table rewritten in batches of primary keys with raw SQL (the historical models' fields would
try to open the plaintext), the column sealed under its table and column and its blind indexes computed.

`specs` are (column, index column or None, tail column or None). `seal_rows` seals (a value already sealed stays
as it is, so a migration run again changes nothing); `open_rows` is its reverse."""

from xueji.core import sealing
from xueji.core.fields import tail_index

BATCH = 2000


def _seal(aad: bytes, value):
    if not value or value.startswith(sealing.PREFIX):
        return sealing.unseal(value, aad), value
    return value, sealing.seal(value, aad)


def _open(aad: bytes, value):
    plain = sealing.unseal(value, aad)
    return plain, plain


def _rewrite(schema_editor, table: str, pk: str, specs, convert) -> None:
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    columns = [c for c, _i, _t in specs]
    sets = [c for spec in specs for c in spec if c]
    assignments = ", ".join(f"{quote(c)} = %s" for c in sets)
    last = None
    with connection.cursor() as cursor:
        while True:
            after = "" if last is None else f"WHERE {quote(pk)} > %s "
            cursor.execute(f"SELECT {quote(pk)}, {', '.join(quote(c) for c in columns)} FROM {quote(table)} "  # noqa: S608
                           f"{after}ORDER BY {quote(pk)} LIMIT {BATCH}", [] if last is None else [last])
            rows = cursor.fetchall()
            if not rows:
                return
            updates = []
            for row in rows:
                values = []
                for (column, index, tail), value in zip(specs, row[1:], strict=True):
                    plain, stored = convert(f"{table}.{column}".encode(), value)
                    values.append(stored)
                    if index:
                        values.append(sealing.blind_index(plain))
                    if tail:
                        values.append(tail_index(plain))
                updates.append((*values, row[0]))
            cursor.executemany(f"UPDATE {quote(table)} SET {assignments} WHERE {quote(pk)} = %s", updates)  # noqa: S608
            last = rows[-1][0]


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
