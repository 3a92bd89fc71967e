"""Alembic environment for the Brugerblik store.

Run through survey.db (``brugerblik db upgrade``, or any engine survey.db makes): the
connection is handed in via ``config.attributes["connection"]``. Run by hand (``alembic -c
alembic.ini upgrade head``) it uses sqlalchemy.url from the config, or BRUGERBLIK_DB.
The target metadata is the tables of the models in survey.db.MODEL_MODULES (db.model_metadata).
"""
from __future__ import annotations

from alembic import context

from survey import db

config = context.config
target_metadata = db.model_metadata()  # the tables of the models in db.MODEL_MODULES


def _render_item(type_, obj, autogen_context):
    """SQLModel's own types as plain SQLAlchemy types in a revision file (no sqlmodel import):
    AutoString is a String, UTCDateTime a DateTime(timezone=True)."""
    if type_ == "type":
        name = type(obj).__name__
        if name == "AutoString":
            length = getattr(obj, "length", None)
            return f"sa.String(length={length})" if length else "sa.String()"
        if name == "UTCDateTime":
            return "sa.DateTime(timezone=True)"
    return False


def _configure(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True,  # SQLite changes columns by rebuilding the table
                      render_item=_render_item, compare_type=True)


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url") or db.database_url(),
                      target_metadata=target_metadata, literal_binds=True, render_as_batch=True,
                      render_item=_render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = db.make_engine(config.get_main_option("sqlalchemy.url") or None, migrate=False)
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
