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
        """The demo guild (config.demo), once: its configuration with its roles and channels."""
        from botworker.directory import record_guild_snapshot
        from botworker.guilds import guild_configure
        from botworker.models import GuildConfig
        from config import demo
        from config.demo import demo_guild_snapshot

        # The names the bot would see on joining (an upsert, so it is safe to repeat): the admin
        # shows #channels, @roles and members' names without a running bot.
        record_guild_snapshot(demo_guild_snapshot())
        if GuildConfig.objects.filter(guild_id=demo.GUILD_ID).exists():
            return "demo guild already present"
        guild_configure(
            guild_id=demo.GUILD_ID,
            name=demo.GUILD_NAME,
            timezone=demo.GUILD_TIMEZONE,
            moderator_role_ids=[demo.MODERATOR_ROLE_ID],
            admin_role_ids=[demo.ADMIN_ROLE_ID],
            channels=demo.CHANNELS,
        )
        return f"demo guild {demo.GUILD_ID} created"
