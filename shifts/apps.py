from django.apps import AppConfig

# The demo guild botworker's demo data configures (a domain app does not import botworker).
DEMO_GUILD_ID = 100_000_000_000_000_001
DEMO_MODERATORS = (100_000_000_000_000_301, 100_000_000_000_000_302)


class ShiftsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "shifts"
    verbose_name = "Shifts"

    def load_demo_data(self) -> str:
        """The demo guild's shift policy and a few schedule slots, once (through the services)."""
        from shifts import services
        from shifts.models import ShiftPolicy

        if ShiftPolicy.objects.filter(guild_id=DEMO_GUILD_ID).exists():
            return "demo shift policy already present"
        services.policy_save(policy=ShiftPolicy(guild_id=DEMO_GUILD_ID))
        admin = services.Actor(user_id=DEMO_MODERATORS[0], is_moderator=True, is_admin=True)
        for user_id, day, time, zone in (
            (DEMO_MODERATORS[0], 0, "18:00", "Europe/Berlin"),
            (DEMO_MODERATORS[0], 3, "20:30", "Europe/Berlin"),
            (DEMO_MODERATORS[1], 6, "02:30", "America/New_York"),
        ):
            services.schedule_add(
                guild_id=DEMO_GUILD_ID, actor=admin, user_id=user_id, day=day, time=time, timezone=zone
            )
        return f"demo shift policy and 3 schedule slots for guild {DEMO_GUILD_ID}"
