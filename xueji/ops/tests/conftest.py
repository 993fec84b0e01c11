import hashlib
from pathlib import Path

import pytest
from django.db import connection


@pytest.fixture
def ops(settings, tmp_path):
    """Backups, files and logs in the test's own folders, with a backup key of their own."""
    settings.VAR_DIR = tmp_path
    settings.XUEJI_BACKUP_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.XUEJI_LOG_DIR = tmp_path / "log"
    settings.XUEJI_BACKUP_KEY = "ops-test-key-一二三-0123456789"
    (tmp_path / "files" / "proofs" / "2026").mkdir(parents=True)
    (tmp_path / "files" / "proofs" / "2026" / "proof.pdf").write_bytes(b"%PDF-1.7 proof\x00\xff" * 50)
    (tmp_path / "files" / "uploads").mkdir()
    (tmp_path / "files" / "uploads" / "名单.xlsx").write_bytes(b"PK\x03\x04 sheet" * 20)
    return tmp_path


def _value(value):
    return bytes(value) if isinstance(value, memoryview) else value


def table_state() -> dict[str, tuple[int, str]]:
    """Every table of the database (Django's and ours, the audit log and the migration history included): its row
    count and a hash of its rows in order."""
    state = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {quote(table)}")
            rows = sorted(repr(tuple(_value(v) for v in row)) for row in cursor.fetchall())
            state[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return state


def file_state(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def empty_database() -> None:
    """Drop every table (the audit log and the migration history too): the empty database a restore goes into
    after the server was lost."""
    quote = connection.ops.quote_name
    connection.close()
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if connection.vendor == "postgresql":
            if tables:
                cursor.execute("DROP TABLE " + ", ".join(quote(t) for t in tables) + " CASCADE")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for table in tables:
                cursor.execute(f"DROP TABLE {quote(table)}")
