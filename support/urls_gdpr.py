"""GDPR's API routes, under /api/support/guilds/<guild_id>/gdpr/."""

from django.urls import path

from support import api_gdpr

urlpatterns = [
    path("", api_gdpr.GdprOverviewView.as_view(), name="gdpr"),
    path("requests/", api_gdpr.GdprRequestListView.as_view(), name="gdpr-requests"),
]
