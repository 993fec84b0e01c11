"""Database helpers that serve every app: bulk SQL (bulk.py)."""

from xueji.core.db.bulk import TableWriter, analyze_changed, insert_rows, int_array, text_array, update_rows, upsert_add

__all__ = ["TableWriter", "analyze_changed", "insert_rows", "int_array", "text_array", "update_rows", "upsert_add"]
