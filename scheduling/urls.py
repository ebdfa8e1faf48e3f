from django.urls import path, re_path

from scheduling import api, api_reminders

app_name = "scheduling"

urlpatterns = [
    path("roles/", api.RoleListView.as_view(), name="roles"),
    path("roles/<int:pk>/", api.RoleDetailView.as_view(), name="role"),
    path("classes/", api.WowClassListView.as_view(), name="classes"),
    path("specializations/", api.SpecializationListView.as_view(), name="specializations"),
    path("guilds/<snowflake:guild_id>/ranks/", api.RankListView.as_view(), name="ranks"),
    path("guilds/<snowflake:guild_id>/ranks/<int:pk>/", api.RankDetailView.as_view(), name="rank"),
    path("guilds/<snowflake:guild_id>/players/", api.PlayerListView.as_view(), name="players"),
    path("guilds/<snowflake:guild_id>/players/<int:pk>/", api.PlayerDetailView.as_view(), name="player"),
    path("guilds/<snowflake:guild_id>/me/availability/", api.MyAvailabilityView.as_view(), name="my-availability"),
    path("guilds/<snowflake:guild_id>/best-time/", api.BestTimeView.as_view(), name="best-time"),
    path("guilds/<snowflake:guild_id>/best-time/present/", api.BestTimePresentView.as_view(), name="best-time-present"),
    path("guilds/<snowflake:guild_id>/reminders/", api_reminders.ReminderListView.as_view(), name="reminders"),
    path(
        "guilds/<snowflake:guild_id>/reminders/<int:pk>/", api_reminders.ReminderDetailView.as_view(), name="reminder"
    ),
    path("guilds/<snowflake:guild_id>/dispatches/", api_reminders.DispatchListView.as_view(), name="dispatches"),
    path("guilds/<snowflake:guild_id>/calendar/", api_reminders.CalendarFeedView.as_view(), name="calendar"),
    path(
        "guilds/<snowflake:guild_id>/calendar/rotate/",
        api_reminders.CalendarFeedRotateView.as_view(),
        name="calendar-rotate",
    ),
    re_path(r"^calendar/(?P<token>[A-Za-z0-9_-]{20,64})\.ics$", api_reminders.calendar_feed, name="calendar-feed"),
]
