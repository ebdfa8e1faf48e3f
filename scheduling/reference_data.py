"""WoW reference data: raid roles, classes and specializations with Blizzard's game ids.

Loaded by migration 0002 (and re-applied idempotently by `reference_data_load`). Classes and specs
are read-only in the admin and the API; role display names may be edited there.
"""

from __future__ import annotations

ROLES = [
    ("tank", "Tank"),
    ("healer", "Healer"),
    ("melee_dps", "Melee DPS"),
    ("ranged_dps", "Ranged DPS"),
]

# (class game id, class name, [(spec game id, spec name, role name), ...])
CLASSES = [
    (1, "Warrior", [(71, "Arms", "melee_dps"), (72, "Fury", "melee_dps"), (73, "Protection", "tank")]),
    (2, "Paladin", [(65, "Holy", "healer"), (66, "Protection", "tank"), (70, "Retribution", "melee_dps")]),
    (
        3,
        "Hunter",
        [(253, "Beast Mastery", "ranged_dps"), (254, "Marksmanship", "ranged_dps"), (255, "Survival", "melee_dps")],
    ),
    (4, "Rogue", [(259, "Assassination", "melee_dps"), (260, "Outlaw", "melee_dps"), (261, "Subtlety", "melee_dps")]),
    (5, "Priest", [(256, "Discipline", "healer"), (257, "Holy", "healer"), (258, "Shadow", "ranged_dps")]),
    (6, "Death Knight", [(250, "Blood", "tank"), (251, "Frost", "melee_dps"), (252, "Unholy", "melee_dps")]),
    (
        7,
        "Shaman",
        [(262, "Elemental", "ranged_dps"), (263, "Enhancement", "melee_dps"), (264, "Restoration", "healer")],
    ),
    (8, "Mage", [(62, "Arcane", "ranged_dps"), (63, "Fire", "ranged_dps"), (64, "Frost", "ranged_dps")]),
    (
        9,
        "Warlock",
        [(265, "Affliction", "ranged_dps"), (266, "Demonology", "ranged_dps"), (267, "Destruction", "ranged_dps")],
    ),
    (10, "Monk", [(268, "Brewmaster", "tank"), (269, "Windwalker", "melee_dps"), (270, "Mistweaver", "healer")]),
    (
        11,
        "Druid",
        [
            (102, "Balance", "ranged_dps"),
            (103, "Feral", "melee_dps"),
            (104, "Guardian", "tank"),
            (105, "Restoration", "healer"),
        ],
    ),
    (12, "Demon Hunter", [(577, "Havoc", "melee_dps"), (581, "Vengeance", "tank"), (1480, "Devourer", "ranged_dps")]),
    (
        13,
        "Evoker",
        [(1467, "Devastation", "ranged_dps"), (1468, "Preservation", "healer"), (1473, "Augmentation", "ranged_dps")],
    ),
]

# The seed's default ranks: (level, name, description, scheduling_weight).
DEFAULT_RANKS = [
    (1, "Initiate", "New member, probationary period", 0),
    (2, "Member", "Full guild member", 1),
    (3, "Veteran", "Long-standing core member", 3),
    (4, "Officer", "Guild officer", 5),
    (5, "Guild Leader", "Guild Leader", 5),
]

OFFICER_LEVEL = 4


def load(role_model, class_model, spec_model) -> None:
    """Insert or update every role, class and spec (idempotent; role display names are kept)."""
    roles = {}
    for name, display in ROLES:
        roles[name], _ = role_model.objects.get_or_create(name=name, defaults={"display_name": display})
    for class_id, class_name, specs in CLASSES:
        wow_class, _ = class_model.objects.update_or_create(game_id=class_id, defaults={"name": class_name})
        for spec_id, spec_name, role_name in specs:
            spec_model.objects.update_or_create(
                game_id=spec_id, defaults={"name": spec_name, "wow_class": wow_class, "role": roles[role_name]}
            )
