"""The report layer's one error: a table, figure or crosstab request that cannot be served.

Every message is Danish and names what is allowed, so the CLI and the app show it as it is.
"""
from __future__ import annotations

from typing import Iterable

__all__ = ["TableError", "allowed"]


class TableError(ValueError):
    """A table request that cannot be served (unknown id, group, probe …); Danish message."""


def allowed(what: str, value: object, choices: Iterable[str]) -> TableError:
    """``Ukendt <what> <value> — tilladt: a, b, c.`` as a TableError (to raise)."""
    return TableError(f"Ukendt {what} {value!r} — tilladt: {', '.join(choices)}.")
