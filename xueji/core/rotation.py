"""Re-sealing under the current data key (`manage.py rotate_data_key`): every sealed column of every model (text
columns, `SealedCharField`, and the ID numbers inside JSON columns, `SealedJSONField`), in batches of primary keys,
each batch its own short transaction (online: the rows of one batch are locked for milliseconds). Only rows holding
a value not under the current key are rewritten, so a rerun after a crash goes on where it stopped and a finished
rotation rewrites nothing (idempotent). `reindex` also recomputes the blind indexes (after a change of the index
key) and then reads every row.

A model whose rows cannot be rewritten (`sealing_rewritable = False`: the append-only audit log, whose triggers
refuse any UPDATE) is left as it is: `remaining` still counts its rows under an old key, which must stay in the ring
until the retention purge has archived them."""

import json
from collections import Counter
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction

from xueji.core import sealing
from xueji.core.fields import BlindIndexField, SealedCharField, SealedJSONField, open_items, seal_items


@dataclass(frozen=True)
class SealedTable:
    model: type
    sealed: tuple  # SealedCharField
    indexes: tuple  # BlindIndexField
    documents: tuple = ()  # SealedJSONField

    @property
    def rewritable(self) -> bool:
        return getattr(self.model, "sealing_rewritable", True)


def sealed_tables() -> list[SealedTable]:
    out = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = model._meta.concrete_fields
        sealed = tuple(f for f in fields if isinstance(f, SealedCharField))
        documents = tuple(f for f in fields if isinstance(f, SealedJSONField))
        if sealed or documents:
            out.append(SealedTable(model, sealed, tuple(f for f in fields if isinstance(f, BlindIndexField)),
                                   documents))
    return out


def _stale(table: SealedTable, current: str) -> tuple[str, list]:
    """The SQL condition of a row holding a value not under the current key, and its parameters."""
    quote = connection.ops.quote_name
    parts, params = [], []
    for f in table.sealed:
        parts.append(f"({quote(f.column)} <> '' AND {quote(f.column)} NOT LIKE %s)")
        params.append(current + "%")
    for f in table.documents:  # a sealed text left once the current key's prefixes are taken out
        parts.append(f"(REPLACE(CAST({quote(f.column)} AS text), %s, '') LIKE %s)")
        params += [current, f"%{sealing.PREFIX}%"]
    return " OR ".join(parts), params


def _document(value):
    return json.loads(value) if isinstance(value, str | bytes) else value


def rotate(*, batch_size: int = 2000, reindex: bool = False, progress=None) -> Counter:
    """Re-seal (and with `reindex` re-index) every sealed value not under the current key; per table the rows
    rewritten."""
    ring = sealing.key_ring()
    current = f"{sealing.PREFIX}{ring.current}$"
    quote = connection.ops.quote_name
    done: Counter = Counter()
    for table in sealed_tables():
        if not table.rewritable:
            continue
        meta = table.model._meta
        pk = quote(meta.pk.column)
        columns = [f.column for f in table.sealed]
        documents = [f.column for f in table.documents]
        stale, params = _stale(table, current)
        where = "" if reindex else f" AND ({stale})"
        params = [] if reindex else params
        by_name = {f.name: i for i, f in enumerate(table.sealed)}
        sets = [*columns, *(f.column for f in table.indexes), *documents]
        cast = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
        assignments = ", ".join([*(f"{quote(c)} = %s" for c in sets[:len(sets) - len(documents)]),
                                 *(f"{quote(c)} = {cast}" for c in documents)])
        last = None
        while True:
            with transaction.atomic():
                after = "" if last is None else f" AND {pk} > %s"
                select = (f"SELECT {pk}, {', '.join(quote(c) for c in [*columns, *documents])} "  # noqa: S608
                          f"FROM {quote(meta.db_table)} WHERE 1 = 1{after}{where} ORDER BY {pk} "
                          f"LIMIT {int(batch_size)}")
                select += " FOR UPDATE" if connection.vendor == "postgresql" else ""
                with connection.cursor() as cursor:
                    cursor.execute(select, ([] if last is None else [last]) + params)
                    rows = cursor.fetchall()
                    if not rows:
                        break
                    updates = []
                    for row in rows:
                        values = row[1:1 + len(columns)]
                        plain = [sealing.unseal(v, f.aad, ring=ring) for f, v in zip(table.sealed, values,
                                                                                       strict=True)]
                        stored = [sealing.seal(p, f.aad, ring=ring) for f, p in zip(table.sealed, plain, strict=True)]
                        index_values = [f.index_of(plain[by_name[f.source]]) for f in table.indexes]
                        index_values = ["" if v is None and not f.null else v
                                        for f, v in zip(table.indexes, index_values, strict=True)]
                        texts = []
                        for f, value in zip(table.documents, row[1 + len(columns):], strict=True):
                            if value is None:
                                texts.append(None)
                                continue
                            opened = open_items(_document(value), f.aad)
                            texts.append(json.dumps(seal_items(opened, f.aad, whole=f.whole), ensure_ascii=False))
                        updates.append((*stored, *index_values, *texts, row[0]))
                    cursor.executemany(f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608
                                       f"WHERE {pk} = %s", updates)
            last = rows[-1][0]
            done[meta.label] += len(rows)
            if progress:
                progress(meta.label, done[meta.label])
    return done


def remaining() -> Counter:
    """Per table, the rows still holding a value not under the current key (0 everywhere: the old keys can go)."""
    current = f"{sealing.PREFIX}{sealing.key_ring().current}$"
    quote = connection.ops.quote_name
    left: Counter = Counter()
    for table in sealed_tables():
        stale, params = _stale(table, current)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table.model._meta.db_table)} WHERE {stale}",  # noqa: S608
                           params)
            n = cursor.fetchone()[0]
        if n:
            left[table.model._meta.label] = n
    return left
