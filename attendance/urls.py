from django.urls import path

from attendance import api

app_name = "attendance"

urlpatterns = [
    path("guilds/<snowflake:guild_id>/seasons/", api.SeasonListView.as_view(), name="seasons"),
    path("guilds/<snowflake:guild_id>/seasons/<int:pk>/", api.SeasonDetailView.as_view(), name="season"),
    path("guilds/<snowflake:guild_id>/events/", api.EventListView.as_view(), name="events"),
    path("guilds/<snowflake:guild_id>/events/<int:pk>/", api.EventDetailView.as_view(), name="event"),
    path("guilds/<snowflake:guild_id>/events/<int:pk>/cancel/", api.EventCancelView.as_view(), name="event-cancel"),
    path(
        "guilds/<snowflake:guild_id>/events/<int:pk>/attendance/", api.EventAttendanceView.as_view(), name="attendance"
    ),
    path("guilds/<snowflake:guild_id>/statistics/", api.StatisticsView.as_view(), name="statistics"),
]
