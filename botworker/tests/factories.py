"""Factories for botworker tests: guild configurations and Discord interaction payloads."""

from __future__ import annotations

import itertools
import json
import time

import factory
from nacl.signing import SigningKey

from botworker.models import GuildConfig

_ids = itertools.count(900_000_000_000_000_000)

GUILD_ID = 111_111_111_111_111_111
CHANNEL_ID = 222_222_222_222_222_222
USER_ID = 333_333_333_333_333_333
MOD_ROLE = 444_444_444_444_444_441
ADMIN_ROLE = 444_444_444_444_444_442
APPLICATION_ID = "555555555555555555"


def next_id() -> str:
    return str(next(_ids))


class GuildConfigFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GuildConfig
        django_get_or_create = ("guild_id",)

    guild_id = GUILD_ID
    name = "Test Guild"
    timezone = "Europe/Berlin"


def _base(kind: int, data: dict, *, guild_id, user_id, roles, permissions, interaction_id=None) -> dict:
    payload = {
        "id": interaction_id or next_id(),
        "application_id": APPLICATION_ID,
        "type": kind,
        "data": data,
        "token": "tok-" + next_id(),
        "version": 1,
        "locale": "en-GB",
        "channel_id": str(CHANNEL_ID),
    }
    user = {"id": str(user_id), "username": "tester", "discriminator": "0", "global_name": "Tester"}
    if guild_id is None:
        payload["user"] = user
    else:
        payload["guild_id"] = str(guild_id)
        payload["member"] = {"user": user, "roles": [str(r) for r in roles], "permissions": str(permissions)}
    return payload


def command_payload(
    name: str,
    options: list | None = None,
    *,
    guild_id=GUILD_ID,
    user_id=USER_ID,
    roles=(),
    permissions=0,
    interaction_id=None,
    kind=2,
) -> dict:
    """An APPLICATION_COMMAND (or, with kind=4, AUTOCOMPLETE) interaction."""
    data = {"id": next_id(), "name": name, "type": 1, "options": options or []}
    return _base(
        kind,
        data,
        guild_id=guild_id,
        user_id=user_id,
        roles=roles,
        permissions=permissions,
        interaction_id=interaction_id,
    )


def component_payload(
    custom_id: str, *, guild_id=GUILD_ID, user_id=USER_ID, roles=(), permissions=0, values=None, interaction_id=None
) -> dict:
    data = {"custom_id": custom_id, "component_type": 2 if values is None else 3}
    if values is not None:
        data["values"] = values
    payload = _base(
        3, data, guild_id=guild_id, user_id=user_id, roles=roles, permissions=permissions, interaction_id=interaction_id
    )
    payload["message"] = {"id": next_id(), "channel_id": str(CHANNEL_ID), "content": "", "components": []}
    return payload


def modal_payload(
    custom_id: str, fields: dict[str, str], *, guild_id=GUILD_ID, user_id=USER_ID, roles=(), permissions=0
) -> dict:
    data = {
        "custom_id": custom_id,
        "components": [{"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]} for k, v in fields.items()],
    }
    return _base(5, data, guild_id=guild_id, user_id=user_id, roles=roles, permissions=permissions)


class Signer:
    """Signs request bodies the way Discord does, with a key the test controls."""

    def __init__(self) -> None:
        self.key = SigningKey.generate()
        self.public_key_hex = self.key.verify_key.encode().hex()

    def headers(self, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signature = self.key.sign(ts.encode() + body).signature.hex()
        return {"HTTP_X_SIGNATURE_ED25519": signature, "HTTP_X_SIGNATURE_TIMESTAMP": ts}

    def post(self, client, payload, *, timestamp: int | None = None, raw: bytes | None = None):
        body = raw if raw is not None else json.dumps(payload).encode()
        return client.post(
            "/discord/interactions/",
            data=body,
            content_type="application/json",
            **self.headers(body, timestamp=timestamp),
        )
