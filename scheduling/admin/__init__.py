"""The scheduling app's back office, one module per area: the roster, reminders and the clock,
scheduled jobs. Importing this package registers them."""

from scheduling.admin import jobs, reminders, roster  # noqa: F401
from scheduling.admin.roster import member_zone_form_field

__all__ = ["member_zone_form_field"]
