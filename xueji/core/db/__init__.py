"""Database helpers that serve every app: bulk SQL (bulk.py)."""

from xueji.core.db.bulk import TableWriter, insert_rows

__all__ = ["TableWriter", "insert_rows"]
