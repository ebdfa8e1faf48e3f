from django.core.management.base import BaseCommand, CommandError

from botworker.guilds import guild_configure, parse_snowflake
from botworker.models import GuildChannel
from config.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Create or update a Discord guild's Guildhall configuration (roles, channels, time zone)."

    def add_arguments(self, parser):
        parser.add_argument("guild_id", help="The Discord guild (server) id.")
        parser.add_argument("--name", help="A name to recognise the guild by in the admin.")
        parser.add_argument(
            "--mod-role",
            action="append",
            dest="mod_roles",
            metavar="ROLE_ID",
            help="A moderator role id (repeatable; replaces the list).",
        )
        parser.add_argument(
            "--admin-role",
            action="append",
            dest="admin_roles",
            metavar="ROLE_ID",
            help="An admin role id (repeatable; replaces the list).",
        )
        parser.add_argument(
            "--channel",
            action="append",
            dest="channels",
            metavar="FEATURE=CHANNEL_ID",
            help=f"The channel for a feature (repeatable). Features: {', '.join(GuildChannel.Feature.values)}.",
        )
        parser.add_argument("--timezone", help="The guild's default IANA time zone, e.g. Europe/Berlin.")

    def handle(self, *args, **options):
        try:
            guild_id = parse_snowflake(options["guild_id"], field="guild_id")
            mods = (
                [parse_snowflake(r, field="mod-role") for r in options["mod_roles"]] if options["mod_roles"] else None
            )
            admins = (
                [parse_snowflake(r, field="admin-role") for r in options["admin_roles"]]
                if options["admin_roles"]
                else None
            )
            channels = {}
            for item in options["channels"] or []:
                feature, sep, channel = item.partition("=")
                if not sep:
                    raise CommandError(
                        f"--channel {item!r}: write it as FEATURE=CHANNEL_ID, e.g. shifts=123456789012345678."
                    )
                channels[feature.strip()] = parse_snowflake(channel, field=f"channel {feature}")
            config = guild_configure(
                guild_id=guild_id,
                name=options["name"],
                timezone=options["timezone"],
                moderator_role_ids=mods,
                admin_role_ids=admins,
                channels=channels,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        roles = ", ".join(f"{r.kind} {r.role_id}" for r in config.roles.all()) or "none"
        channel_list = ", ".join(f"{c.feature}={c.channel_id}" for c in config.channels.all()) or "none"
        self.stdout.write(f"guild {config.guild_id} ({config.name or 'unnamed'}), time zone {config.timezone}")
        self.stdout.write(f"roles: {roles}")
        self.stdout.write(f"channels: {channel_list}")
