"""Every business row, hashed per table: a refused write must leave each one as it was.

Used by the jurisdiction matrix and the access test cases (xueji.testing.cases)."""

from django.apps import apps
from django.db import connection

# What a refused request may still write: the audit log (and the per-minute counter that coalesces refusals into
# it, and the heads of its hash chain), the session (each request pushes the idle timeout) and login-attempt
# records. Everything else is business.
NOT_BUSINESS = {"audit_auditevent", "audit_auditchainhead", "accounts_denialcounter", "django_session",
                "accounts_notfoundcounter",  # 404 answers per address and minute (the 404-scan alert)
                "axes_accessattempt",
                "axes_accesslog", "axes_accessfailurelog"}
VOLATILE_COLUMNS = {"last_login"}  # force_login between requests sets it
_query: dict[str, object] = {}


def _fingerprint_query() -> tuple[list[str], str]:
    """One SELECT that returns, per business table, all its rows in order as one value (PostgreSQL: their md5)."""
    quote = connection.ops.quote_name
    tables, parts = [], []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or meta.db_table in NOT_BUSINESS:
            continue
        columns = [quote(f.column) for f in meta.concrete_fields if f.column not in VOLATILE_COLUMNS]
        table, pk = quote(meta.db_table), quote(meta.pk.column)
        if connection.vendor == "postgresql":
            parts.append(f"(SELECT md5(string_agg(ROW({', '.join(columns)})::text, ';' ORDER BY {pk})) FROM {table})")
        else:
            row = " || ',' || ".join(f"quote({c})" for c in columns)
            parts.append(f"(SELECT group_concat(r, ';') FROM (SELECT {row} AS r FROM {table} ORDER BY {pk}))")
        tables.append(meta.db_table)
    return tables, "SELECT " + ", ".join(parts)  # noqa: S608


def fingerprint() -> dict[str, int]:
    """Every business row, hashed per table. (A test world holds a few hundred rows: one query of a few ms.)"""
    if not _query or _query.get("vendor") != connection.vendor:
        _query["tables"], _query["sql"] = _fingerprint_query()
        _query["vendor"] = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute(_query["sql"])
        values = cursor.fetchone()
    return {table: hash(value) for table, value in zip(_query["tables"], values, strict=True)}


def changed_tables(before: dict[str, int], after: dict[str, int]) -> list[str]:
    return sorted(table for table in after if after[table] != before.get(table))
