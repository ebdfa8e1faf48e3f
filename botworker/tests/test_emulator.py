"""Tests of the Discord REST emulator, driven by the real discord.py HTTP client and webhook adapter."""

from __future__ import annotations

import asyncio
import contextlib
import io
import types
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.http import HTTPClient, Route, handle_message_parameters
from discord.webhook.async_ import async_context, interaction_message_response_params

from botworker.emulator import DiscordEmulator, snowflake_time

TOKEN = "test-token"


@pytest.fixture(scope="module")
def running_emulator() -> DiscordEmulator:
    with DiscordEmulator(token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def emu(running_emulator: DiscordEmulator, monkeypatch: pytest.MonkeyPatch) -> DiscordEmulator:
    running_emulator.reset()
    monkeypatch.setattr(Route, "BASE", running_emulator.api_base)  # restored after the test
    return running_emulator


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py sleeps 1, 3, 5, 7, 9 s between 5xx retries; shorten its sleeps (only in discord.http)."""

    async def short_sleep(delay: float, result: object = None) -> object:
        return await asyncio.sleep(min(delay, 0.01), result)

    monkeypatch.setattr(discord.http, "asyncio", types.SimpleNamespace(**{**vars(asyncio), "sleep": short_sleep}))


@contextlib.asynccontextmanager
async def logged_in(token: str = TOKEN) -> AsyncIterator[HTTPClient]:
    http = HTTPClient(asyncio.get_running_loop())
    try:
        await http.static_login(token)
        yield http
    finally:
        await http.close()


async def send(http: HTTPClient, channel_id: str, content: str, **options: object) -> dict:
    with handle_message_parameters(content=content, **options) as params:
        return await http.send_message(channel_id, params=params)


def text_channel(emu: DiscordEmulator) -> dict:
    return emu.add_channel(emu.add_guild(name="Guild")["id"], name="general")


# ---------------------------------------------------------------- lifecycle, auth, routing


def test_start_is_idempotent_and_urls_point_at_the_server() -> None:
    emulator = DiscordEmulator()
    with pytest.raises(RuntimeError):
        _ = emulator.api_base
    emulator.start()
    try:
        base = emulator.api_base
        assert emulator.start() is emulator
        assert emulator.api_base == base
        assert base.startswith("http://127.0.0.1:") and base.endswith("/api/v10")
        assert emulator.url == base.removesuffix("/api/v10")
    finally:
        emulator.stop()
    emulator.stop()


def test_login_ok_and_bad_token(emu: DiscordEmulator) -> None:
    async def scenario() -> None:
        async with logged_in() as http:
            me = await http.request(Route("GET", "/users/@me"))
            assert me["id"] == emu.bot_user_id and me["bot"] is True
        with pytest.raises(discord.LoginFailure):
            async with logged_in("wrong-token"):
                pass

    asyncio.run(scenario())
    statuses = [r.status for r in emu.requests_to("GET", "/users/@me")]
    assert statuses == [200, 200, 401]
    assert emu.requests[-1].headers["authorization"] == "Bot wrong-token"


def test_client_login_fetch_channel_send_and_history_parse(emu: DiscordEmulator) -> None:
    channel = text_channel(emu)

    async def scenario() -> None:
        client = discord.Client(intents=discord.Intents.none())
        try:
            await client.login(TOKEN)
            assert client.user is not None and client.user.id == int(emu.bot_user_id)
            assert client.application_id == int(emu.application_id)
            fetched = await client.fetch_channel(int(channel["id"]))
            assert isinstance(fetched, discord.TextChannel) and fetched.name == "general"
            message = await fetched.send("hello", embed=discord.Embed(title="Shift"))
            assert message.content == "hello" and message.embeds[0].title == "Shift"
            assert message.author.id == int(emu.bot_user_id)
            history = [m.content async for m in fetched.history(limit=10)]
            assert history == ["hello"]
            upload = await fetched.send(file=discord.File(io.BytesIO(b"roster"), "roster.csv"))
            assert upload.attachments[0].filename == "roster.csv"
            assert await upload.attachments[0].read() == b"roster"
        finally:
            await client.close()

    asyncio.run(scenario())
    assert [m["content"] for m in emu.messages(channel["id"])] == ["hello", ""]
    multipart = emu.requests_to("POST", r"/channels/\d+/messages")[-1]
    assert multipart.files == ("roster.csv",) and multipart.json["attachments"][0]["filename"] == "roster.csv"


def test_unknown_route_method_and_missing_auth(emu: DiscordEmulator) -> None:
    async def scenario() -> list[tuple[int, dict]]:
        results = []
        async with aiohttp.ClientSession() as session:
            for method, path, headers in [
                ("GET", "/nothing/here", {"Authorization": f"Bot {TOKEN}"}),
                ("PATCH", "/users/@me/channels", {"Authorization": f"Bot {TOKEN}"}),
                ("GET", "/users/@me", {}),
            ]:
                async with session.request(method, emu.api_base + path, headers=headers) as response:
                    assert response.headers["Content-Type"] == "application/json"
                    results.append((response.status, await response.json()))
        return results

    assert asyncio.run(scenario()) == [
        (404, {"message": "404: Not Found", "code": 0}),
        (405, {"message": "405: Method Not Allowed", "code": 0}),
        (401, {"message": "401: Unauthorized", "code": 0}),
    ]
    assert [(r.method, r.path, r.status) for r in emu.requests] == [
        ("GET", "/nothing/here", 404),
        ("PATCH", "/users/@me/channels", 405),
        ("GET", "/users/@me", 401),
    ]


def test_gateway_routes(emu: DiscordEmulator) -> None:
    async def scenario() -> None:
        async with logged_in() as http:
            assert (await http.request(Route("GET", "/gateway")))["url"].startswith("ws://127.0.0.1:")
            shards, url, limit = await http.get_bot_gateway()
            assert shards == 1 and url.startswith("ws://") and limit["max_concurrency"] == 1

    asyncio.run(scenario())


# ---------------------------------------------------------------- messages


def test_send_message_is_visible_and_parses_mentions(emu: DiscordEmulator) -> None:
    channel = text_channel(emu)
    role = emu.add_role(channel["guild_id"], "Raiders")

    async def scenario() -> dict:
        async with logged_in() as http:
            return await send(http, channel["id"], f"<@42> <@&{role['id']}> @everyone")

    sent = asyncio.run(scenario())
    [stored] = emu.messages(channel["id"])
    assert stored == sent
    assert sent["author"]["id"] == emu.bot_user_id and sent["channel_id"] == channel["id"]
    assert [u["id"] for u in sent["mentions"]] == ["42"] and sent["mention_roles"] == [role["id"]]
    assert sent["mention_everyone"] is True
    for key in (
        "timestamp",
        "edited_timestamp",
        "tts",
        "attachments",
        "embeds",
        "pinned",
        "type",
        "flags",
        "components",
    ):
        assert key in sent
    assert emu.channels(channel["guild_id"])[0]["last_message_id"] == sent["id"]


def test_allowed_mentions_are_respected(emu: DiscordEmulator) -> None:
    channel = text_channel(emu)

    async def scenario() -> dict:
        async with logged_in() as http:
            return await send(http, channel["id"], "<@42> @everyone", allowed_mentions=discord.AllowedMentions.none())

    sent = asyncio.run(scenario())
    assert sent["mentions"] == [] and sent["mention_everyone"] is False


def test_same_nonce_with_enforce_nonce_creates_one_message(emu: DiscordEmulator) -> None:
    channel = text_channel(emu)

    async def scenario() -> tuple[dict, dict, dict]:
        async with logged_in() as http:
            first = await send(http, channel["id"], "reminder", nonce="shift-17")
            again = await send(http, channel["id"], "reminder", nonce="shift-17")
            other = await send(http, channel["id"], "reminder", nonce="shift-18")
            return first, again, other

    first, again, other = asyncio.run(scenario())
    assert emu.requests_to("POST", r"/channels/\d+/messages")[0].json["enforce_nonce"] is True
    assert again["id"] == first["id"] and other["id"] != first["id"]
    assert [m["id"] for m in emu.messages(channel["id"])] == [first["id"], other["id"]]


def test_empty_and_oversized_messages_are_refused(emu: DiscordEmulator) -> None:
    channel = text_channel(emu)

    async def scenario() -> None:
        async with logged_in() as http:
            with pytest.raises(discord.HTTPException) as empty:
                await send(http, channel["id"], "   ")
            assert empty.value.status == 400 and empty.value.code == 50006
            with pytest.raises(discord.HTTPException) as too_long:
                await send(http, channel["id"], "x" * 2001)
            assert too_long.value.code == 50035 and "content" in too_long.value.text

    asyncio.run(scenario())
    assert emu.messages(channel["id"]) == []


def test_edit_and_delete_message(emu: DiscordEmulator) -> None:
    channel = text_channel(emu)
    foreign = emu.add_message(channel["id"], "not yours", author_id=555)

    async def scenario() -> None:
        async with logged_in() as http:
            sent = await send(http, channel["id"], "draft")
            with handle_message_parameters(content="final") as params:
                edited = await http.edit_message(channel["id"], sent["id"], params=params)
            assert edited["id"] == sent["id"] and edited["content"] == "final" and edited["edited_timestamp"]
            assert (await http.get_message(channel["id"], sent["id"]))["content"] == "final"
            with pytest.raises(discord.Forbidden) as not_author, handle_message_parameters(content="x") as params:
                await http.edit_message(channel["id"], foreign["id"], params=params)
            assert not_author.value.code == 50005
            await http.delete_message(channel["id"], sent["id"])
            with pytest.raises(discord.NotFound) as gone:
                await http.get_message(channel["id"], sent["id"])
            assert gone.value.code == 10008
            with pytest.raises(discord.NotFound) as unknown_channel:
                await http.get_channel("1234")
            assert unknown_channel.value.code == 10003

    asyncio.run(scenario())
    assert [m["content"] for m in emu.messages(channel["id"])] == ["not yours"]
    assert emu.get_message(channel["id"], foreign["id"])["author"]["id"] == "555"


def test_add_message_snowflake_matches_created_at(emu: DiscordEmulator) -> None:
    channel = text_channel(emu)
    created = datetime(2024, 5, 1, 12, 30, 15, 250000, tzinfo=UTC)
    message = emu.add_message(channel["id"], "old", created_at=created, author_id=7)
    assert snowflake_time(message["id"]) == created
    assert discord.utils.snowflake_time(int(message["id"])) == created
    assert datetime.fromisoformat(message["timestamp"]) == created
    with pytest.raises(ValueError):
        emu.add_message(channel["id"], "naive", created_at=datetime(2024, 1, 1))


def test_history_pagination(emu: DiscordEmulator) -> None:
    channel = text_channel(emu)
    start = datetime.now(UTC) - timedelta(hours=3)
    ids = [emu.add_message(channel["id"], f"m{i}", created_at=start + timedelta(minutes=i))["id"] for i in range(25)]

    async def scenario() -> None:
        async with logged_in() as http:
            newest = await http.logs_from(channel["id"], 10)
            assert [m["id"] for m in newest] == ids[::-1][:10]
            older = await http.logs_from(channel["id"], 10, before=newest[-1]["id"])
            assert [m["id"] for m in older] == ids[::-1][10:20]
            rest = await http.logs_from(channel["id"], 10, before=older[-1]["id"])
            assert [m["id"] for m in rest] == ids[4::-1]
            after = await http.logs_from(channel["id"], 3, after=ids[5])
            assert [m["id"] for m in after] == [ids[8], ids[7], ids[6]]
            around = await http.logs_from(channel["id"], 5, around=ids[12])
            assert [m["id"] for m in around] == [ids[14], ids[13], ids[12], ids[11], ids[10]]
            assert [m["id"] for m in await http.logs_from(channel["id"], 1, around=ids[3])] == [ids[3]]
            default = await http.request(Route("GET", "/channels/{channel_id}/messages", channel_id=channel["id"]))
            assert len(default) == 25
            with pytest.raises(discord.HTTPException) as bad_limit:
                await http.logs_from(channel["id"], 101)
            assert bad_limit.value.code == 50035

    asyncio.run(scenario())


def test_discord_py_history_iterates_across_pages(emu: DiscordEmulator) -> None:
    channel = text_channel(emu)
    start = datetime.now(UTC) - timedelta(days=1)
    for i in range(130):
        emu.add_message(channel["id"], f"m{i}", created_at=start + timedelta(seconds=i))

    async def scenario() -> tuple[list[str], list[str]]:
        client = discord.Client(intents=discord.Intents.none())
        try:
            await client.login(TOKEN)
            fetched = await client.fetch_channel(int(channel["id"]))
            newest_first = [m.content async for m in fetched.history(limit=None)]
            oldest_first = [m.content async for m in fetched.history(limit=None, oldest_first=True)]
            return newest_first, oldest_first
        finally:
            await client.close()

    newest_first, oldest_first = asyncio.run(scenario())
    assert newest_first == [f"m{i}" for i in reversed(range(130))]
    assert oldest_first == [f"m{i}" for i in range(130)]
    assert len(emu.requests_to("GET", r"/channels/\d+/messages")) >= 4


def test_bulk_delete_and_the_fourteen_day_refusal(emu: DiscordEmulator) -> None:
    channel = text_channel(emu)
    recent = [emu.add_message(channel["id"], f"spam {i}", author_id=9)["id"] for i in range(3)]
    old = emu.add_message(channel["id"], "ancient", created_at=datetime.now(UTC) - timedelta(days=15))["id"]

    async def scenario() -> None:
        async with logged_in() as http:
            with pytest.raises(discord.HTTPException) as too_old:
                await http.delete_messages(channel["id"], [recent[0], old])
            assert too_old.value.status == 400 and too_old.value.code == 50034
            with pytest.raises(discord.HTTPException) as too_few:
                await http.delete_messages(channel["id"], [recent[0]])
            assert too_few.value.status == 400 and too_few.value.code == 50035
            await http.delete_messages(channel["id"], recent[:2])

    asyncio.run(scenario())
    assert [m["id"] for m in emu.messages(channel["id"])] == [old, recent[2]]
    assert emu.requests_to("POST", r"/channels/\d+/messages/bulk-delete")[-1].json == {"messages": recent[:2]}


def test_pins_new_and_legacy_routes(emu: DiscordEmulator) -> None:
    channel = text_channel(emu)
    first = emu.add_message(channel["id"], "rules", pinned=True, created_at=datetime.now(UTC) - timedelta(hours=1))
    second = emu.add_message(channel["id"], "schedule")

    async def scenario() -> None:
        async with logged_in() as http:
            await http.pin_message(channel["id"], second["id"])
            pins = await http.pins_from(channel["id"])
            assert [p["message"]["id"] for p in pins["items"]] == [second["id"], first["id"]]
            assert pins["has_more"] is False and all(p["message"]["pinned"] for p in pins["items"])
            legacy = await http.request(Route("GET", "/channels/{channel_id}/pins", channel_id=channel["id"]))
            assert [m["id"] for m in legacy] == [second["id"], first["id"]]
            await http.unpin_message(channel["id"], first["id"])
            pins = await http.pins_from(channel["id"])
            assert [p["message"]["id"] for p in pins["items"]] == [second["id"]]

    asyncio.run(scenario())
    assert emu.get_message(channel["id"], first["id"])["pinned"] is False


def test_dm_channel_create_or_return_and_closed_dms(emu: DiscordEmulator) -> None:
    emu.add_user(1001, "alice")

    async def scenario() -> None:
        async with logged_in() as http:
            channel = await http.start_private_message(1001)
            assert channel["type"] == 1 and channel["recipients"][0]["username"] == "alice"
            assert (await http.start_private_message(1001))["id"] == channel["id"]
            await send(http, channel["id"], "Your shift starts soon")
            emu.set_dms_closed(1001)
            with pytest.raises(discord.Forbidden) as closed:
                await send(http, channel["id"], "again")
            assert closed.value.code == 50007

    asyncio.run(scenario())
    dm = emu.dm_channel_for(1001)
    assert dm is not None and [m["content"] for m in emu.messages(dm["id"])] == ["Your shift starts soon"]
    assert emu.dm_channel_for(2002) is None


# ---------------------------------------------------------------- guilds, roles, channels, commands


def test_role_add_and_remove(emu: DiscordEmulator) -> None:
    guild = emu.add_guild(name="Guild")
    role = emu.add_role(guild["id"], "On shift")
    emu.add_member(guild["id"], 77)

    async def scenario() -> None:
        async with logged_in() as http:
            await http.add_role(guild["id"], 77, role["id"], reason="clock in")
            assert emu.member_roles(guild["id"], 77) == {role["id"]}
            await http.add_role(guild["id"], 77, role["id"])
            member = await http.request(
                Route("GET", "/guilds/{guild_id}/members/{user_id}", guild_id=guild["id"], user_id=77)
            )
            assert member["roles"] == [role["id"]]
            await http.remove_role(guild["id"], 77, role["id"])
            with pytest.raises(discord.NotFound) as unknown_role:
                await http.add_role(guild["id"], 77, 999)
            assert unknown_role.value.code == 10011
            with pytest.raises(discord.NotFound) as unknown_member:
                await http.add_role(guild["id"], 78, role["id"])
            assert unknown_member.value.code == 10007

    asyncio.run(scenario())
    assert emu.member_roles(guild["id"], 77) == set()
    put = emu.requests_to("PUT", r"/guilds/\d+/members/77/roles/\d+")[0]
    assert put.headers["X-Audit-Log-Reason"] == "clock in"
    assert guild["roles"][0]["id"] == guild["id"] and guild["roles"][0]["name"] == "@everyone"


def test_guild_channel_create_with_permission_overwrites(emu: DiscordEmulator) -> None:
    guild = emu.add_guild(name="Guild")
    category = emu.add_channel(guild["id"], name="Support", type=4)
    overwrites = [
        {"id": guild["id"], "type": 0, "allow": 0, "deny": 1024},
        {"id": 4242, "type": 1, "allow": 1024 | 2048, "deny": 0},
    ]

    async def scenario() -> tuple[dict, list]:
        async with logged_in() as http:
            created = await http.create_channel(
                guild["id"],
                0,
                name="ticket-0001",
                parent_id=category["id"],
                topic="Ticket for 4242",
                permission_overwrites=overwrites,
            )
            with pytest.raises(discord.HTTPException) as bad_parent:
                await http.create_channel(guild["id"], 0, name="x", parent_id=123)
            assert bad_parent.value.code == 50035
            return created, await http.get_all_guild_channels(guild["id"])

    created, listed = asyncio.run(scenario())
    assert created["type"] == 0 and created["guild_id"] == guild["id"] and created["parent_id"] == category["id"]
    assert created["topic"] == "Ticket for 4242"
    assert created["permission_overwrites"] == [
        {"id": guild["id"], "type": 0, "allow": "0", "deny": "1024"},
        {"id": "4242", "type": 1, "allow": "3072", "deny": "0"},
    ]
    assert [c["id"] for c in emu.channels(guild["id"])] == [category["id"], created["id"]]
    assert {c["id"] for c in listed} == {category["id"], created["id"]}


def test_bulk_overwrite_commands_global_and_guild(emu: DiscordEmulator) -> None:
    app_id = emu.application_id
    clock_in = {"name": "clockin", "description": "Start your shift", "type": 1}

    async def scenario() -> None:
        async with logged_in() as http:
            first = await http.bulk_upsert_global_commands(app_id, [clock_in])
            again = await http.bulk_upsert_global_commands(app_id, [clock_in, {"name": "Report", "type": 3}])
            assert again[0]["id"] == first[0]["id"] and again[1]["description"] == ""
            guild_cmds = await http.bulk_upsert_guild_commands(app_id, 555, [{"name": "raid", "description": "Raids"}])
            assert guild_cmds[0]["guild_id"] == "555"
            assert await http.get_global_commands(app_id) == again
            assert await http.get_guild_commands(app_id, 555) == guild_cmds
            parsed = app_commands.AppCommand(data=again[0], state=None)  # type: ignore[arg-type]
            assert parsed.name == "clockin" and parsed.id == int(first[0]["id"])
            with pytest.raises(discord.HTTPException) as bad_name:
                await http.bulk_upsert_global_commands(app_id, [{"name": "Clock In", "description": "x"}])
            assert bad_name.value.code == 50035
            with pytest.raises(discord.Forbidden) as wrong_app:
                await http.bulk_upsert_global_commands("1", [clock_in])
            assert wrong_app.value.code == 20012

    asyncio.run(scenario())
    assert [c["name"] for c in emu.commands()] == ["clockin", "Report"]
    assert [c["name"] for c in emu.commands(555)] == ["raid"]
    assert emu.commands(556) == []


def test_command_tree_sync_parses_the_answer(emu: DiscordEmulator) -> None:
    async def scenario() -> list[app_commands.AppCommand]:
        client = discord.Client(intents=discord.Intents.none())
        tree = app_commands.CommandTree(client)

        @tree.command(name="shift", description="Show your next shift")
        async def shift(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("soon")

        try:
            await client.login(TOKEN)
            return await tree.sync()
        finally:
            await client.close()

    synced = asyncio.run(scenario())
    assert [c.name for c in synced] == ["shift"]
    assert emu.commands()[0]["description"] == "Show your next shift"


# ---------------------------------------------------------------- interactions


def test_interaction_callback_edit_original_and_followups(emu: DiscordEmulator) -> None:
    channel = text_channel(emu)
    interaction = emu.add_interaction(channel_id=channel["id"])
    iid, token, app_id = interaction["id"], interaction["token"], emu.application_id
    adapter = async_context.get()

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            params = interaction_message_response_params(type=4, content="Checking your shifts...")
            answer = await adapter.create_interaction_response(iid, token, session=session, params=params)
            assert answer["interaction"]["id"] == iid and answer["resource"]["type"] == 4
            assert answer["resource"]["message"]["content"] == "Checking your shifts..."
            with pytest.raises(discord.HTTPException) as twice:
                await adapter.create_interaction_response(iid, token, session=session, params=params)
            assert twice.value.code == 40060
            edited = await adapter.edit_original_interaction_response(
                app_id, token, session=session, payload={"content": "You have 2 shifts"}
            )
            assert edited["content"] == "You have 2 shifts" and edited["edited_timestamp"]
            original = await adapter.get_original_interaction_response(app_id, token, session=session)
            assert original["id"] == edited["id"]

            # What discord.py builds for Interaction.followup: an application-type webhook.
            webhook = discord.Webhook({"id": app_id, "type": 3, "token": token}, session=session)
            followup = await webhook.send("Details follow", wait=True, ephemeral=True)
            assert isinstance(followup, discord.WebhookMessage) and followup.flags.ephemeral
            followup = await followup.edit(content="Details")
            assert followup.content == "Details"
            second = await webhook.send("Bye", wait=True)
            await second.delete()
            # discord.py forces wait=True for application webhooks; without it Discord answers 204.
            no_wait = await adapter.execute_webhook(int(app_id), token, session=session, payload={"content": "no wait"})
            assert not no_wait

    asyncio.run(scenario())
    assert [body["type"] for body in emu.interaction_responses(iid)] == [4, 4]
    assert emu.original_response(None, token)["content"] == "You have 2 shifts"
    assert emu.original_response(app_id, token)["webhook_id"] == app_id
    assert emu.original_response("1", token) is None
    assert [m["content"] for m in emu.followups(token)] == ["Details", "no wait"]
    # Public responses land in the channel; the ephemeral follow-up does not.
    assert [m["content"] for m in emu.messages(channel["id"])] == ["You have 2 shifts", "no wait"]
    callback = emu.requests_to("POST", r"/interactions/\d+/[^/]+/callback")[0]
    assert callback.query == {"with_response": "1"} and "authorization" not in callback.headers


def test_deferred_response_then_edit_and_unknown_webhook(emu: DiscordEmulator) -> None:
    adapter = async_context.get()

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(discord.NotFound) as unknown:
                await adapter.edit_original_interaction_response(
                    emu.application_id, "never-used", session=session, payload={"content": "x"}
                )
            assert unknown.value.code == 10015
            params = interaction_message_response_params(type=5, flags=discord.MessageFlags(ephemeral=True))
            answer = await adapter.create_interaction_response(111, "tok-1", session=session, params=params)
            assert answer["interaction"]["response_message_loading"] is True
            assert answer["interaction"]["response_message_ephemeral"] is True
            await adapter.edit_original_interaction_response(
                emu.application_id, "tok-1", session=session, payload={"content": "Done"}
            )
            await adapter.delete_original_interaction_response(emu.application_id, "tok-1", session=session)
            with pytest.raises(discord.NotFound) as deleted:
                await adapter.get_original_interaction_response(emu.application_id, "tok-1", session=session)
            assert deleted.value.code == 10008

    asyncio.run(scenario())
    edit = emu.requests_to("PATCH", r"/webhooks/\d+/tok-1/messages/@original")[0]
    assert edit.json == {"content": "Done"} and edit.status == 200
    assert emu.original_response(None, "tok-1") is None


def test_callback_without_with_response_answers_204(emu: DiscordEmulator) -> None:
    async def scenario() -> tuple[int, bytes]:
        async with aiohttp.ClientSession() as session:
            url = f"{emu.api_base}/interactions/321/tok-plain/callback"
            async with session.post(url, json={"type": 4, "data": {"content": "pong"}}) as response:
                return response.status, await response.read()

    assert asyncio.run(scenario()) == (204, b"")
    assert emu.interaction_responses(321) == [{"type": 4, "data": {"content": "pong"}}]
    assert emu.original_response(emu.application_id, "tok-plain")["content"] == "pong"


def test_component_update_message_and_multipart_callback(emu: DiscordEmulator) -> None:
    channel = text_channel(emu)
    panel = emu.add_message(channel["id"], "Sign up for the raid", components=[{"type": 1, "components": []}])
    interaction = emu.add_interaction(type=3, channel_id=channel["id"], message_id=panel["id"])
    adapter = async_context.get()

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            params = interaction_message_response_params(type=7, content="Signed up: 1")
            await adapter.create_interaction_response(
                interaction["id"], interaction["token"], session=session, params=params
            )
            upload = discord.File(io.BytesIO(b"a,b\n"), "attendance.csv")
            params = interaction_message_response_params(type=4, content="Export", file=upload)
            answer = await adapter.create_interaction_response(999, "tok-file", session=session, params=params)
            attachment = answer["resource"]["message"]["attachments"][0]
            assert attachment["filename"] == "attendance.csv" and attachment["size"] == 4
            async with session.get(attachment["url"]) as download:
                assert await download.read() == b"a,b\n"

    asyncio.run(scenario())
    updated = emu.get_message(channel["id"], panel["id"])
    assert updated["content"] == "Signed up: 1" and updated["edited_timestamp"] is not None
    assert emu.original_response(None, interaction["token"])["id"] == panel["id"]
    multipart = emu.requests_to("POST", r"/interactions/999/tok-file/callback")[0]
    assert multipart.json["type"] == 4 and multipart.json["data"]["content"] == "Export"
    assert multipart.files == ("attendance.csv",)


# ---------------------------------------------------------------- failure injection


def test_429_is_retried_by_discord_py(emu: DiscordEmulator) -> None:
    channel = text_channel(emu)
    emu.fail_next(1, status=429, retry_after=0.05, path=r"/channels/\d+/messages", method="post")

    async def scenario() -> dict:
        async with logged_in() as http:
            return await send(http, channel["id"], "eventually")

    sent = asyncio.run(scenario())
    posts = emu.requests_to("POST", r"/channels/\d+/messages")
    assert [p.status for p in posts] == [429, 200]
    assert posts[1].at - posts[0].at >= 0.05
    assert [m["id"] for m in emu.messages(channel["id"])] == [sent["id"]]


def test_429_headers_and_global_limit(emu: DiscordEmulator) -> None:
    channel = text_channel(emu)
    emu.fail_next(1, status=429, retry_after=0.02, is_global=True)

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            url = f"{emu.api_base}/channels/{channel['id']}"
            async with session.get(url, headers={"Authorization": f"Bot {TOKEN}"}) as response:
                assert response.status == 429
                assert await response.json() == {
                    "message": "You are being rate limited.",
                    "retry_after": 0.02,
                    "global": True,
                    "code": 0,
                }
                headers = response.headers
                assert headers["Via"] and headers["X-RateLimit-Remaining"] == "0"
                assert headers["X-RateLimit-Scope"] == "global" and headers["X-RateLimit-Global"] == "true"
                for name in ("X-RateLimit-Limit", "X-RateLimit-Reset", "X-RateLimit-Reset-After", "X-RateLimit-Bucket"):
                    assert name in headers
                assert headers["Retry-After"] == "1"
        emu.fail_next(1, status=429, retry_after=0.02, is_global=True, path=r"/channels/\d+")
        async with logged_in() as http:
            assert (await http.get_channel(channel["id"]))["id"] == channel["id"]

    asyncio.run(scenario())
    assert [r.status for r in emu.requests_to("GET", r"/channels/\d+")] == [429, 429, 200]


def test_injected_403_and_404(emu: DiscordEmulator) -> None:
    channel = text_channel(emu)

    async def scenario() -> None:
        async with logged_in() as http:
            emu.fail_next(1, status=403)
            with pytest.raises(discord.Forbidden) as forbidden:
                await send(http, channel["id"], "x")
            assert forbidden.value.status == 403 and forbidden.value.code == 50013
            assert forbidden.value.text == "Missing Permissions"
            emu.fail_next(1, status=404, path=r"/channels/\d+/messages")
            with pytest.raises(discord.NotFound) as not_found:
                await send(http, channel["id"], "x")
            assert not_found.value.code == 10003
            emu.fail_next(1, status=400, code=50001, message="Missing Access", method="GET")
            await send(http, channel["id"], "POST is not matched by a GET rule")
            with pytest.raises(discord.HTTPException) as custom:
                await http.get_channel(channel["id"])
            assert (custom.value.status, custom.value.code, custom.value.text) == (400, 50001, "Missing Access")

    asyncio.run(scenario())
    assert [m["content"] for m in emu.messages(channel["id"])] == ["POST is not matched by a GET rule"]


def test_5xx_exhausts_discord_py_retries(emu: DiscordEmulator, fast_retries: None) -> None:
    channel = text_channel(emu)
    emu.fail_next(6, status=500, path=r"/channels/\d+/messages")

    async def scenario() -> None:
        async with logged_in() as http:
            with pytest.raises(discord.DiscordServerError) as exhausted:
                await send(http, channel["id"], "lost")
            assert exhausted.value.status == 500
            # The sixth queued 500 is still pending: the next send is retried once and succeeds.
            assert (await send(http, channel["id"], "delivered"))["content"] == "delivered"
            # 503 is not in discord.py's retry set {500, 502, 504, 524}: it fails at once.
            emu.fail_next(1, status=503)
            with pytest.raises(discord.DiscordServerError) as unavailable:
                await send(http, channel["id"], "lost too")
            assert unavailable.value.status == 503

    asyncio.run(scenario())
    statuses = [r.status for r in emu.requests_to("POST", r"/channels/\d+/messages")]
    assert statuses == [500] * 6 + [200, 503]
    assert [m["content"] for m in emu.messages(channel["id"])] == ["delivered"]


def test_dropped_connection(emu: DiscordEmulator) -> None:
    channel = text_channel(emu)

    async def scenario() -> None:
        async with logged_in() as http:
            emu.fail_next(1, drop=True, method="POST")
            with pytest.raises(aiohttp.ServerDisconnectedError):
                await send(http, channel["id"], "lost")
            assert (await send(http, channel["id"], "delivered"))["content"] == "delivered"
            # aiohttp itself retries an idempotent request once after a disconnect.
            emu.fail_next(1, drop=True, method="GET")
            assert (await http.get_channel(channel["id"]))["id"] == channel["id"]
            emu.fail_next(2, drop=True, method="GET")
            with pytest.raises(aiohttp.ClientConnectionError):
                await http.get_channel(channel["id"])

    asyncio.run(scenario())
    assert [r.status for r in emu.requests_to("POST", r"/channels/\d+/messages")] == [None, 200]
    assert [r.status for r in emu.requests_to("GET", r"/channels/\d+")] == [None, 200, None, None]
    assert [m["content"] for m in emu.messages(channel["id"])] == ["delivered"]


def test_reset_clears_state_requests_and_failures(emu: DiscordEmulator) -> None:
    channel = text_channel(emu)
    emu.add_message(channel["id"], "hello")
    emu.fail_next(3, status=403)
    emu.reset()

    async def scenario() -> None:
        async with logged_in() as http:  # would raise Forbidden if the queued failures survived
            with pytest.raises(discord.NotFound):
                await http.get_channel(channel["id"])

    asyncio.run(scenario())
    assert emu.messages(channel["id"]) == [] and emu.channels(channel["guild_id"]) == []
    assert [(r.path, r.status) for r in emu.requests] == [("/users/@me", 200), (f"/channels/{channel['id']}", 404)]
