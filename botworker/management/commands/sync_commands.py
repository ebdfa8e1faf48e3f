import asyncio

import discord
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from botworker.discord_api import discord_http_client
from botworker.guilds import parse_snowflake
from botworker.interactions.registration import describe_changes, sync_commands
from config.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Register Guildhall's slash commands with Discord (bulk overwrite), globally or for one guild."

    def add_arguments(self, parser):
        parser.add_argument(
            "--guild", help="Register in this guild only (instant; global changes can take up to an hour to show)."
        )

    def handle(self, *args, **options):
        if not settings.DISCORD_TOKEN or not settings.DISCORD_APPLICATION_ID:
            raise CommandError("DISCORD_TOKEN and DISCORD_APPLICATION_ID must be set to register commands.")
        try:
            guild_id = parse_snowflake(options["guild"], field="guild") if options["guild"] else None
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        try:
            changes = asyncio.run(self._sync(guild_id))
        except discord.LoginFailure:
            raise CommandError("Discord refused DISCORD_TOKEN (401): check the bot token.") from None
        except discord.HTTPException as exc:
            raise CommandError(f"Discord refused the commands: {exc.status} {exc.text}") from None
        self.stdout.write(describe_changes(changes, scope=f"guild {guild_id}" if guild_id else "global"))

    async def _sync(self, guild_id):
        async with discord_http_client() as http:
            return await sync_commands(http, application_id=settings.DISCORD_APPLICATION_ID, guild_id=guild_id)
