"""Registering the router's slash commands with Discord (bulk overwrite) and saying what changed."""

from __future__ import annotations

from typing import Any

from botworker.interactions.routing import router

# Keys Discord adds to a command it returns that we never send.
_SERVER_KEYS = {
    "id",
    "application_id",
    "guild_id",
    "version",
    "default_permission",
    "dm_permission",
    "nsfw",
    "name_localizations",
    "description_localizations",
}


def _normalise(value: Any) -> Any:
    """A command's JSON without server-added keys and defaults, for comparing."""
    if isinstance(value, dict):
        return {
            key: _normalise(item)
            for key, item in sorted(value.items())
            if key not in _SERVER_KEYS and item not in (None, False, [])
        }
    if isinstance(value, list):
        return [_normalise(item) for item in value]
    return value


def diff_commands(current: list[dict], desired: list[dict]) -> dict[str, list[str]]:
    """Names of commands added, removed, changed and unchanged going from `current` to `desired`."""
    before = {command["name"]: _normalise(command) for command in current}
    after = {command["name"]: _normalise(command) for command in desired}
    return {
        "added": sorted(set(after) - set(before)),
        "removed": sorted(set(before) - set(after)),
        "changed": sorted(name for name in set(after) & set(before) if after[name] != before[name]),
        "unchanged": sorted(name for name in set(after) & set(before) if after[name] == before[name]),
    }


async def sync_commands(http, *, application_id: str, guild_id: int | None = None) -> dict[str, list[str]]:
    """Bulk-overwrite the application's commands (global, or one guild's) with the registry's,
    through discord.py's HTTP client; returns what changed."""
    desired = router.application_commands()
    if guild_id is None:
        current = await http.get_global_commands(application_id)
        await http.bulk_upsert_global_commands(application_id, desired)
    else:
        current = await http.get_guild_commands(application_id, guild_id)
        await http.bulk_upsert_guild_commands(application_id, guild_id, desired)
    return diff_commands(current, desired)


def describe_changes(changes: dict[str, list[str]], *, scope: str) -> str:
    lines = [f"Commands synced ({scope}):"]
    for kind in ("added", "changed", "removed", "unchanged"):
        names = changes[kind]
        lines.append(f"{kind}: {', '.join('/' + n for n in names) if names else 'none'}")
    return "\n".join(lines)
