"""Middleware of the project's own."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, resolve, reverse

# Endpoints only machines call, by URL name: Discord's signed interactions. They use no session,
# login, CSRF token, message, static file or page header, and they are on the hottest path there
# is (Discord gives an interaction 3 seconds), so the browser middleware is skipped for them.
MACHINE_ENDPOINTS = ("discord-interactions",)


class MachineEndpointMiddleware:
    """Answer requests to :data:`MACHINE_ENDPOINTS` by calling their view directly, skipping the
    middleware below this one (sessions, CSRF, authentication, messages, WhiteNoise, framing and
    CSP headers, django-axes): together about half the cost of a bare Django view here.

    Placed right after SecurityMiddleware, so HTTPS redirects and the security headers still apply;
    the host is still checked against ALLOWED_HOSTS (a refused host is a 400, as everywhere).
    Exceptions from the view become the usual 500 answer and log line (Django wraps every
    middleware). The URLs stay in the URLconf, so `reverse` and every other request are unchanged."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._views: dict[str, Callable] | None = None

    def views(self) -> dict[str, Callable]:
        # On the first request: the URLconf is loaded by then, and the test settings' URLconf too.
        if self._views is None:
            views = {}
            for name in MACHINE_ENDPOINTS:
                try:
                    path = reverse(name)
                except NoReverseMatch:  # a URLconf without it: those requests take the usual way
                    continue
                views[path] = resolve(path).func
            self._views = views
        return self._views

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = self.views().get(request.path_info)
        if view is None:
            return self.get_response(request)
        request.get_host()  # DisallowedHost (a 400) for a host not in ALLOWED_HOSTS
        return view(request)
