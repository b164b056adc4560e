"""Persistence: SQLAlchemy Core tables, async engines, Alembic migrations."""

from indaba.store.engine import Database, open_database
from indaba.store.migrate import upgrade_database

__all__ = ["Database", "open_database", "upgrade_database"]
