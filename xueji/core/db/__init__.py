"""Database helpers that serve every app: bulk SQL (bulk.py)."""

from xueji.core.db.bulk import TableWriter, analyze_changed, insert_rows, update_rows

__all__ = ["TableWriter", "analyze_changed", "insert_rows", "update_rows"]
