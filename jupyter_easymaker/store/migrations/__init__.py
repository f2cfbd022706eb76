"""Schema migrations (Alembic). Each change to store/models.py comes with a revision in versions/."""
