"""Re-sealing under the current data key (`manage.py rotate_data_key`): every sealed column of every model, in
batches of primary keys, each batch its own short transaction (online: the rows of one batch are locked for
milliseconds). Only rows holding a value not under the current key are rewritten, so a rerun after a crash
goes on where it stopped and a finished rotation rewrites nothing (idempotent). `reindex` also recomputes the
blind indexes (after a change of the index key) and then reads every row."""

from collections import Counter
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction

from xueji.core import sealing
from xueji.core.fields import BlindIndexField, SealedCharField


@dataclass(frozen=True)
class SealedTable:
    model: type
    sealed: tuple  # SealedCharField
    indexes: tuple  # BlindIndexField


def sealed_tables() -> list[SealedTable]:
    out = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = model._meta.concrete_fields
        sealed = tuple(f for f in fields if isinstance(f, SealedCharField))
        if sealed:
            out.append(SealedTable(model, sealed, tuple(f for f in fields if isinstance(f, BlindIndexField))))
    return out


def rotate(*, batch_size: int = 2000, reindex: bool = False, progress=None) -> Counter:
    """Re-seal (and with `reindex` re-index) every sealed value not under the current key; per table the rows
    rewritten."""
    ring = sealing.key_ring()
    current = f"{sealing.PREFIX}{ring.current}$"
    quote = connection.ops.quote_name
    done: Counter = Counter()
    for table in sealed_tables():
        meta = table.model._meta
        pk = quote(meta.pk.column)
        columns = [f.column for f in table.sealed]
        stale = " OR ".join(f"({quote(c)} <> '' AND {quote(c)} NOT LIKE %s)" for c in columns)
        where = "" if reindex else f" AND ({stale})"
        params = [] if reindex else [current + "%"] * len(columns)
        by_name = {f.name: i for i, f in enumerate(table.sealed)}
        sets = [*columns, *(f.column for f in table.indexes)]
        assignments = ", ".join(f"{quote(c)} = %s" for c in sets)
        last = None
        while True:
            with transaction.atomic():
                after = "" if last is None else f" AND {pk} > %s"
                select = (f"SELECT {pk}, {', '.join(quote(c) for c in columns)} FROM {quote(meta.db_table)} "  # noqa: S608
                          f"WHERE 1 = 1{after}{where} ORDER BY {pk} LIMIT {int(batch_size)}")
                select += " FOR UPDATE" if connection.vendor == "postgresql" else ""
                with connection.cursor() as cursor:
                    cursor.execute(select, ([] if last is None else [last]) + params)
                    rows = cursor.fetchall()
                    if not rows:
                        break
                    updates = []
                    for row in rows:
                        plain = [sealing.unseal(v, f.aad, ring=ring) for f, v in zip(table.sealed, row[1:],
                                                                                       strict=True)]
                        stored = [sealing.seal(p, f.aad, ring=ring) for f, p in zip(table.sealed, plain, strict=True)]
                        index_values = [f.index_of(plain[by_name[f.source]]) for f in table.indexes]
                        index_values = ["" if v is None and not f.null else v
                                        for f, v in zip(table.indexes, index_values, strict=True)]
                        updates.append((*stored, *index_values, row[0]))
                    cursor.executemany(f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608
                                       f"WHERE {pk} = %s", updates)
            last = rows[-1][0]
            done[meta.label] += len(rows)
            if progress:
                progress(meta.label, done[meta.label])
    return done


def remaining() -> Counter:
    """Per table, the rows still holding a value not under the current key (0 everywhere: the old keys can go)."""
    current = f"{sealing.PREFIX}{sealing.key_ring().current}$%"
    quote = connection.ops.quote_name
    left: Counter = Counter()
    for table in sealed_tables():
        columns = [f.column for f in table.sealed]
        stale = " OR ".join(f"({quote(c)} <> '' AND {quote(c)} NOT LIKE %s)" for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table.model._meta.db_table)} WHERE {stale}",  # noqa: S608
                           [current] * len(columns))
            n = cursor.fetchone()[0]
        if n:
            left[table.model._meta.label] = n
    return left
