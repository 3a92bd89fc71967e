"""The archetype and user-group texts, read from archetypes.json (data, not code)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

_DATA = json.loads((Path(__file__).parent / "archetypes.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Archetype:
    code: str
    name: str
    text: str


@dataclass(frozen=True)
class UserGroup:
    code: str
    name: str
    short: str


ARCHETYPES: dict[str, Archetype] = {a["code"]: Archetype(**a) for a in _DATA["archetypes"]}
GROUPS: dict[str, UserGroup] = {g["code"]: UserGroup(**g) for g in _DATA["groups"]}
GROUP_ORDER: list[str] = list(_DATA["report_group_order"])  # the report's row order in Tabel 3.2
SOURCE: str = _DATA["source"]


def archetype(code: str) -> Archetype:
    return ARCHETYPES[code]


def group(code: str) -> UserGroup:
    return GROUPS[code]
