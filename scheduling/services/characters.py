"""A player's WoW characters (one main per player)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from config.exceptions import ApplicationError
from scheduling.models import Player, Specialization, WowCharacter, WowClass

SPEC_OF_OTHER_CLASS = "That specialization belongs to another class."
CHARACTER_EXISTS = "This player already has a character with that name on that realm."
EMPTY_CHARACTER = "A character needs a name and a realm."


@transaction.atomic
def character_save(
    *,
    player: Player,
    name: str,
    realm: str,
    wow_class: WowClass | None = None,
    specialization: Specialization | None = None,
    is_main: bool = False,
    character: WowCharacter | None = None,
) -> WowCharacter:
    """Add a character to a player (or change `character`). Making it the main demotes the
    player's previous main in the same transaction (one main per player is also a constraint)."""
    name, realm = (name or "").strip(), (realm or "").strip()
    if not name or not realm:
        raise ApplicationError(EMPTY_CHARACTER, field="name")
    if specialization is not None:
        if wow_class is None:
            wow_class = specialization.wow_class
        elif specialization.wow_class_id != wow_class.pk:
            raise ApplicationError(SPEC_OF_OTHER_CLASS, field="specialization")
    Player.objects.select_for_update().filter(pk=player.pk).first()  # serializes main changes per player
    if is_main:
        others = WowCharacter.objects.filter(player=player, is_main=True)
        if character is not None and character.pk:
            others = others.exclude(pk=character.pk)
        others.update(is_main=False)
    character = character or WowCharacter(player=player)
    character.name, character.realm = name[:50], realm[:50]
    character.wow_class, character.specialization, character.is_main = wow_class, specialization, is_main
    try:
        with transaction.atomic():
            character.save()
    except IntegrityError:
        raise ApplicationError(CHARACTER_EXISTS, field="name") from None
    return character


@transaction.atomic
def character_remove(*, character: WowCharacter) -> None:
    """Delete a character (attendance rows that named it keep their record, without it)."""
    WowCharacter.objects.filter(pk=character.pk).delete()
