"""The OpenAPI schema declares the one error shape on every operation (config/schema.py)."""

from __future__ import annotations

import re

import pytest
from django.urls import path, resolve
from drf_spectacular.generators import SchemaGenerator
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.schema import ERROR_DESCRIPTIONS

ERROR_REF = "#/components/schemas/Error"
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict):
    for route, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield route, method, operation


def error_ref(response: dict) -> str:
    return response["content"]["application/json"]["schema"]["$ref"]


def view_needs_login(route: str, method: str) -> bool:
    """Whether the view behind `route` lets only some callers in (any permission but AllowAny)."""
    match = resolve(re.sub(r"\{[^}]+\}", "1", route))
    view_class = match.func.cls
    view = view_class(**getattr(match.func, "initkwargs", {}))
    actions = getattr(match.func, "actions", None)
    if actions:
        view.action = actions.get(method)
    view.request = None
    return any(not isinstance(permission, AllowAny) for permission in view.get_permissions())


def test_the_error_component_has_detail_code_and_fields(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"detail", "code", "fields"}
    assert set(error["required"]) == {"detail", "code", "fields"}
    assert error["properties"]["detail"]["type"] == "string"
    assert error["properties"]["code"]["type"] == "string"
    fields = error["properties"]["fields"]
    assert fields["type"] == "object"
    assert fields["additionalProperties"] == {"type": "array", "items": {"type": "string"}}


def test_every_operation_declares_a_400_with_the_error_shape(schema):
    seen = 0
    for route, method, operation in operations(schema):
        response = operation["responses"].get("400")
        assert response is not None, f"{method.upper()} {route} has no 400"
        assert error_ref(response) == ERROR_REF, f"{method.upper()} {route}"
        assert response["description"] == ERROR_DESCRIPTIONS["400"]
        seen += 1
    assert seen > 20  # the apps' operations are all there


def test_operations_behind_a_login_declare_401_and_403(schema):
    public = []
    for route, method, operation in operations(schema):
        responses = operation["responses"]
        if view_needs_login(route, method):
            for code in ("401", "403"):
                assert code in responses, f"{method.upper()} {route} has no {code}"
                assert error_ref(responses[code]) == ERROR_REF
        else:
            assert "401" not in responses and "403" not in responses, f"{method.upper()} {route}"
            public.append((method, route))
    assert ("get", "/api/health/") in public
    assert ("post", "/api/auth/token/") in public


def test_paths_with_parameters_declare_404(schema):
    for route, method, operation in operations(schema):
        if "{" in route:
            assert "404" in operation["responses"], f"{method.upper()} {route} has no 404"
            assert error_ref(operation["responses"]["404"]) == ERROR_REF
    health = schema["paths"]["/api/health/"]["get"]["responses"]
    assert "404" not in health
    assert set(health) == {"200", "400", "503"}  # public, unthrottled, no parameter


def test_an_operation_keeps_its_own_responses(schema):
    health = schema["paths"]["/api/health/"]["get"]["responses"]
    assert health["503"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Health"


# A small API of its own, to pin what each kind of view declares.


class ItemSerializer(serializers.Serializer):
    name = serializers.CharField()


class ItemList(generics.ListAPIView):
    serializer_class = ItemSerializer
    queryset = None

    def get_queryset(self):
        return []


class ItemListUnpaginated(ItemList):
    pagination_class = None


class PublicPing(APIView):
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def get(self, request):
        return Response({"pong": True})


class ItemDetail(generics.RetrieveAPIView):
    serializer_class = ItemSerializer
    throttle_classes: list = []

    def get_queryset(self):
        return []


def probe_schema() -> dict:
    patterns = [
        path("items/", ItemList.as_view()),
        path("plain-items/", ItemListUnpaginated.as_view()),
        path("ping/", PublicPing.as_view()),
        path("items/<int:pk>/", ItemDetail.as_view()),
    ]
    return SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)


@pytest.mark.parametrize(
    ("route", "codes"),
    [
        # Logged in, throttled by default, paginated: a page past the end is a 404.
        ("/items/", {"200", "400", "401", "403", "404", "429"}),
        ("/plain-items/", {"200", "400", "401", "403", "429"}),
        ("/ping/", {"200", "400"}),
        ("/items/{id}/", {"200", "400", "401", "403", "404"}),
    ],
)
def test_each_kind_of_view_declares_the_errors_it_can_give(route, codes):
    responses = probe_schema()["paths"][route]["get"]["responses"]
    assert set(responses) == codes
    for code in codes - {"200"}:
        assert error_ref(responses[code]) == ERROR_REF
        assert responses[code]["description"] == ERROR_DESCRIPTIONS[code]


def test_every_operation_says_what_it_does_in_its_own_words(schema):
    # A view without a docstring would inherit a mixin's, which describes the mixin, not the view.
    described = {}
    for route, method, operation in operations(schema):
        described[(route, method)] = operation.get("description") or operation.get("summary") or ""
    missing = [key for key, text in described.items() if not text and key[0] != "/api/auth/token/"]
    assert missing == []
    mixin_words = [key for key, text in described.items() if "mixin" in text.lower() or "refusal's field" in text]
    assert mixin_words == []
