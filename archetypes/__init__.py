"""Archetypes (report section 3.3) and user groups (Tabel 3.2), with the default assignment rule."""
from archetypes.model import ARCHETYPES, GROUPS, GROUP_ORDER, Archetype, UserGroup, archetype, group
from archetypes.rule import GroupDecision, derive_group, effective_group

__all__ = ["ARCHETYPES", "GROUPS", "GROUP_ORDER", "Archetype", "UserGroup", "archetype", "group",
           "GroupDecision", "derive_group", "effective_group"]
