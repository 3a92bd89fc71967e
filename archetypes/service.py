"""The Kodning page's units of work, each in its own transaction (issue 13).

The app calls these with the engine; each opens one transaction (`survey.db.session_scope`:
commit on success, roll back on any error) around the rules in `archetypes.coding` — the
archetype, the group rule and its override, the overall judgements and the quotes linked as
evidence, every change audited there — and returns plain values. The CLI, the importers and the
tests use `archetypes.coding`'s session-level functions directly. No Streamlit here.
"""
from __future__ import annotations

from typing import Optional

from sqlalchemy.engine import Engine

from archetypes import coding
from survey.db import session_scope
from survey.guide import Guide


def respondents(engine: Engine) -> list[coding.RespondentRow]:
    """Every respondent (any status), by respondent id, with site and coded archetype."""
    with session_scope(engine) as s:
        return coding.respondents(s)


def coding_view(engine: Engine, guide: Guide, interview_id: str) -> coding.CodingView:
    """Everything the Kodning page shows for one respondent (read-only)."""
    with session_scope(engine) as s:
        return coding.coding_view(s, guide, interview_id)


def set_arketype(engine: Engine, guide: Guide, interview_id: str, arketype: Optional[str], *, who: str) -> None:
    with session_scope(engine) as s:
        coding.set_arketype(s, guide, interview_id, arketype, who=who)


def set_judgement(engine: Engine, guide: Guide, interview_id: str, code: str, value: Optional[str], *,
                  who: str) -> None:
    with session_scope(engine) as s:
        coding.set_judgement(s, guide, interview_id, code, value, who=who)


def override_group(engine: Engine, guide: Guide, interview_id: str, group: str, reason: str, *, who: str) -> None:
    with session_scope(engine) as s:
        coding.override_group(s, guide, interview_id, group, reason, who=who)


def clear_override(engine: Engine, guide: Guide, interview_id: str, *, who: str,
                   reason: Optional[str] = None) -> bool:
    """Remove the hand-set group so the rule applies again; False if there was no override."""
    with session_scope(engine) as s:
        return coding.clear_override(s, guide, interview_id, who=who, reason=reason) is not None


def set_evidence(engine: Engine, interview_id: str, quote_id: int, linked: bool, *, who: str) -> None:
    """Link a quote to (or unlink it from) the current archetype decision's evidence."""
    with session_scope(engine) as s:
        if linked:
            coding.link_evidence(s, interview_id, [quote_id], who=who)
        else:
            coding.unlink_evidence(s, interview_id, [quote_id], who=who)
