from django.apps import AppConfig


class BotworkerConfig(AppConfig):
    """Everything that knows Discord: guild configuration, the interaction router and its two
    transports, message rendering, command registration, and the outbox of Discord actions."""

    name = "botworker"
    verbose_name = "Discord"

    def ready(self) -> None:
        # Importing these registers the commands, buttons and modals, and connects the receivers
        # of the domain apps' signals.
        from botworker import handlers, receivers  # noqa: F401
        from botworker.admin.directory import BotworkerDirectory
        from botworker.members import login_actor, member_guild_ids
        from config.actors import register_login_resolver
        from config.directory import register_directory

        register_login_resolver(actor=login_actor, guild_ids=member_guild_ids)
        # Every app's admin shows names for Discord ids and offers pickers through config.directory.
        register_directory(BotworkerDirectory())

    def load_demo_data(self) -> str:
        """The demo guild, once: its configuration with example roles and channels."""
        from botworker.guilds import DEMO_GUILD_ID, guild_configure
        from botworker.models import GuildConfig

        if GuildConfig.objects.filter(guild_id=DEMO_GUILD_ID).exists():
            return "demo guild already present"
        guild_configure(
            guild_id=DEMO_GUILD_ID,
            name="Demo Guild",
            timezone="Europe/Berlin",
            moderator_role_ids=[100_000_000_000_000_101],
            admin_role_ids=[100_000_000_000_000_102],
            channels={
                "shifts": 100_000_000_000_000_201,
                "announcements": 100_000_000_000_000_202,
                "logs": 100_000_000_000_000_203,
            },
        )
        return f"demo guild {DEMO_GUILD_ID} created"
