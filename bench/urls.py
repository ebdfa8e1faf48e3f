"""The project's URLs plus `bench/bare/` and `bench/floor/`, the baselines of the interactions
benchmark.

The bare view is the least a Django view can do for the same exchange: no DRF, no signature check,
no database. It answers with exactly the callback body `/whoami` gives a moderator of the guild
`bench/interactions.py` configures, so the two differ only by the work the real endpoint does
(verifying the signature, parsing, reading the configuration, recording the interaction).

The floor view adds the least "each interaction handled once" needs: it reads the interaction's
id and records it, with the answer, in one `INSERT … ON CONFLICT DO NOTHING` that commits by
itself (autocommit: a transaction of one statement, one round trip), on a table of the interaction
record's shape (`bench_floor_record`, which the benchmark creates as `LIKE
botworker_interactionrecord INCLUDING ALL`). No signature, no routing, no middleware skipped.
"""

import json

from django.db import connection
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


WHOAMI_RESPONSE_JSON = json.dumps(WHOAMI_RESPONSE)
# Created by bench/interactions.py (FLOOR_TABLE there) in the bench database.
FLOOR_TABLE = "bench_floor_record"


@csrf_exempt
@require_POST
def bare_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(WHOAMI_RESPONSE)


@csrf_exempt
@require_POST
def floor_view(request: HttpRequest) -> JsonResponse:
    payload = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FLOOR_TABLE} (interaction_id, kind, guild_id, user_id, response, created_at) "
            "VALUES (%s, 'whoami', %s, %s, %s, CURRENT_TIMESTAMP) ON CONFLICT (interaction_id) DO NOTHING",
            [int(payload["id"]), int(payload["guild_id"]), int(payload["member"]["user"]["id"]), WHOAMI_RESPONSE_JSON],
        )
    return JsonResponse(WHOAMI_RESPONSE)


urlpatterns = [
    *project_urlpatterns,
    path("bench/bare/", bare_view, name="bench-bare"),
    path("bench/floor/", floor_view, name="bench-floor"),
]
