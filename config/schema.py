"""The OpenAPI schema's shared parts: every operation declares its error responses with the one
error shape of :mod:`config.exceptions` (``{"detail", "code", "fields"}``)."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

ERROR_DESCRIPTIONS = {
    "400": "The input is not valid or the action was refused; `fields` names the inputs at fault.",
    "401": "No valid credentials were given.",
    "403": "The credentials do not allow this.",
    "404": "No such object (or not one you may see).",
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
        if self.view.get_authenticators() or self.view.get_permissions():
            needs_login = any(type(p).__name__ != "AllowAny" for p in self.view.get_permissions())
            if needs_login:
                codes += ["401", "403"]
        if "{" in self.path:
            codes.append("404")
        if self.view.get_throttles():
            codes.append("429")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return responses
