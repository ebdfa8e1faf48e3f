"""A URLconf without Discord's interactions endpoint (config/tests/test_middleware.py)."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("hello/", lambda request: HttpResponse("hello"))]
