from django.urls import path

from botworker.interactions.endpoint import interactions_endpoint

urlpatterns = [
    path("interactions/", interactions_endpoint, name="discord-interactions"),
]
