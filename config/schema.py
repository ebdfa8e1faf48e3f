"""The OpenAPI schema's shared parts: every operation declares its error responses with the one
error shape of :mod:`config.exceptions` (``{"detail", "code", "fields"}``)."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.permissions import AllowAny

ERROR_DESCRIPTIONS = {
    "400": "The input is not valid or the action was refused; `fields` names the inputs at fault.",
    "401": "No valid credentials were given.",
    "403": "The credentials do not allow this.",
    "404": "No such object (or not one you may see), or a page past the end of a list.",
    "429": "Too many requests; try again later.",
}


class ErrorSerializer(serializers.Serializer):
    """The body of every API error."""

    detail = serializers.CharField(help_text="One sentence for a person.")
    code = serializers.CharField(help_text="A machine-readable code (`invalid`, `not_found`, `fairness_cap`, ...).")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per input field (dotted paths for nested ones); empty when no field is at fault.",
    )


class GuildhallAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus the error responses each operation can give."""

    def _error_codes(self) -> list[str]:
        codes = ["400"]
        if any(not isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            codes += ["401", "403"]
        # An object path answers 404 for an unknown id; a paginated list for a page past the end.
        if "{" in self.path or (self._is_list_view() and self._get_paginator() is not None):
            codes.append("404")
        if self.view.get_throttles():
            codes.append("429")
        return codes

    def _error_response(self, code: str, description: str, direction: str) -> dict:
        response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
        response["description"] = description
        return response

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._error_response(code, ERROR_DESCRIPTIONS[code], direction)
        # A view that documents an error with a description only ("No such tracked user.") still
        # answers with the error shape: give it the body, keep its words.
        for code, response in list(responses.items()):
            if str(code) in ERROR_DESCRIPTIONS and not response.get("content"):
                description = response.get("description") or ERROR_DESCRIPTIONS[str(code)]
                responses[code] = self._error_response(str(code), description, direction)
        return responses


# The guild a URL is about (`<snowflake:guild_id>`): a Discord id, a string in the schema.
GUILD_ID_PATH = OpenApiParameter(
    "guild_id",
    {"type": "string", "pattern": r"^[1-9][0-9]{0,18}$", "example": "1180000000000000001"},
    OpenApiParameter.PATH,
    description="The Discord guild id",
)
