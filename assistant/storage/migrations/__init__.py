"""Alembic scripts (a package so that the .py files ship in the wheel)."""
