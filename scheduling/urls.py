from django.urls import path

from scheduling import api

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
]
