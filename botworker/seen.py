"""What an interaction shows of its member, recorded only when it is news.

Every interaction shows the acting member (roles, permissions, names) and the users, members,
roles and channels of its options: :func:`botworker.members.member_seen` and
:func:`botworker.directory.record_interaction_people` record them. A member clicking through a
list sends the same facts again and again, and writing them costs more than answering the
interaction (two savepoints and three upserts). So :func:`record_people_seen` keeps, in the cache,
a digest of what it last recorded for a user (in which guild, and what it showed) and writes only
when the digest differs or is older than :data:`SEEN_MEMO_SECONDS`.

What that gives up: ``GuildMember.last_seen_at`` advances at most every :data:`SEEN_MEMO_SECONDS`
while nothing else changes. A changed role, permission, name, nickname or avatar (anything in the
member or user object, or in the options' resolved data) is written at once, and so is the same
member acting in another guild. A member the gateway reports as gone, or whose rows are deleted
(an erasure, staff in the admin), is forgotten here (:func:`forget_people_seen`), so their next
interaction records them again; with a per-process cache (no ``CACHE_URL``) other processes learn
it within :data:`SEEN_MEMO_SECONDS`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from botworker.directory import record_interaction_people
from botworker.members import member_seen
from botworker.models import DirectoryMember, DirectoryUser, GuildMember

# Long enough that a member's burst of clicks writes once; short enough that "last seen" and a
# gone member seen again (without a shared cache) are right within minutes.
SEEN_MEMO_SECONDS = 300


def _seen_key(user_id: int) -> str:
    return f"guildhall:seen:v1:{user_id}"


def _digest(payload: Mapping[str, Any]) -> str:
    """A digest of everything recording the payload's people would write."""
    data = payload.get("data")
    shown = [
        payload.get("guild_id"),
        payload.get("member"),
        payload.get("user"),
        data.get("resolved") if isinstance(data, Mapping) else None,
    ]
    text = json.dumps(shown, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def record_people_seen(
    payload: Mapping[str, Any], *, guild_id: int | None, user_id: int, role_ids, permissions: int
) -> bool:
    """Record the member (in a guild) and the people of `payload` unless the same facts were
    recorded less than SEEN_MEMO_SECONDS ago. True when it wrote. Call inside the interaction's
    transaction: the memo is kept only once that transaction commits. Never raises for a
    failed write (both recorders log and roll back to their savepoint)."""
    key = _seen_key(user_id)
    digest = _digest(payload)
    if cache.get(key) == digest:
        return False
    recorded = True
    if guild_id is not None:
        recorded = member_seen(guild_id=guild_id, user_id=user_id, role_ids=role_ids, permissions=permissions)
    recorded = record_interaction_people(payload) and recorded
    if recorded:  # a failed write is tried again by the next interaction
        transaction.on_commit(lambda: cache.set(key, digest, SEEN_MEMO_SECONDS))
    return True


def forget_people_seen(*, user_id: int) -> None:
    """Make the next interaction of `user_id` record what it shows (the member left a guild, or
    their rows were erased)."""
    key = _seen_key(user_id)
    cache.delete(key)
    # An interaction committing meanwhile may store the old digest again: forget after commit too.
    transaction.on_commit(lambda: cache.delete(key))


@receiver(post_delete, sender=GuildMember, dispatch_uid="botworker.seen.guildmember_deleted")
@receiver(post_delete, sender=DirectoryMember, dispatch_uid="botworker.seen.directorymember_deleted")
@receiver(post_delete, sender=DirectoryUser, dispatch_uid="botworker.seen.directoryuser_deleted")
def _rows_deleted(sender, instance, **kwargs) -> None:
    forget_people_seen(user_id=instance.user_id)
