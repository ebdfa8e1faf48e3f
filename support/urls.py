from django.urls import include, path

from support import api, api_stats

app_name = "support"

urlpatterns = [
    path("guilds/<snowflake:guild_id>/tickets/", api.TicketListView.as_view(), name="tickets"),
    path("guilds/<snowflake:guild_id>/tickets/<int:pk>/", api.TicketDetailView.as_view(), name="ticket"),
    path("guilds/<snowflake:guild_id>/tickets/<int:pk>/claim/", api.TicketClaimView.as_view(), name="ticket-claim"),
    path("guilds/<snowflake:guild_id>/ticket-stats/", api_stats.TicketStatsView.as_view(), name="ticket-stats"),
    path("guilds/<snowflake:guild_id>/gdpr/", include("support.urls_gdpr")),
]
