from django.apps import AppConfig


class TimetrackingConfig(AppConfig):
    """Personal time tracking: subjects, weekly allocations and focus sessions (running, paused,
    ended and awaiting confirmation, confirmed). Sessions belong to a Discord user, not a guild."""

    name = "timetracking"
    verbose_name = "Time tracking"

    def load_demo_data(self) -> str:
        """The demo member's finished week of focus sessions against her allocations, once."""
        from timetracking.demo import load_demo_data

        return load_demo_data()
