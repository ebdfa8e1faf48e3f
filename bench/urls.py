"""The project's URLs plus `bench/bare/`, the baseline of the interactions benchmark.

The bare view is the least a Django view can do for the same exchange: no DRF, no signature check,
no database. It answers with exactly the callback body `/whoami` gives a moderator of the guild
`bench/interactions.py` configures, so the two differ only by the work the real endpoint does
(verifying the signature, parsing, reading the configuration, recording the interaction).
"""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.urls import urlpatterns as project_urlpatterns

# What `/whoami` answers a moderator of a guild whose time zone is Europe/Berlin; the benchmark
# checks byte for byte that the real endpoint gives the same answer before it times anything.
WHOAMI_RESPONSE = {
    "type": 4,
    "data": {
        "content": "You are a **moderator** here.\nThis server's time zone is Europe/Berlin.",
        "embeds": [],
        "components": [],
        "allowed_mentions": {"parse": []},
        "flags": 64,
    },
}


@csrf_exempt
@require_POST
def bare_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(WHOAMI_RESPONSE)


urlpatterns = [
    *project_urlpatterns,
    path("bench/bare/", bare_view, name="bench-bare"),
]
