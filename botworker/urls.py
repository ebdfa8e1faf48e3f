from django.urls import path

from botworker.views import interactions_endpoint

urlpatterns = [
    path("interactions/", interactions_endpoint, name="discord-interactions"),
]
