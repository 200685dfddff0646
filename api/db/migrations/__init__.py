"""Alembic's script directory for the store's schema (env.py, versions/); `api.db.schema` drives it."""
