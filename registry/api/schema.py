"""OpenAPI: every operation documents its error answers in the §6 error shape."""

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import AllowAny


class RegistryAutoSchema(AutoSchema):
    def _error_codes(self) -> list[str]:
        codes = ["400"]
        # A bad token is refused (401) even where anyone may ask; only the protected are 403.
        if self.view.get_authenticators():
            codes.append("401")
        if not any(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            codes += ["401", "403"]
        # A paginated list answers 404 for a page past the end (or page=0).
        if "{" in self.path or (self.method == "GET" and self._is_list_view() and self._get_paginator()):
            codes.append("404")
        if self.method in ("PUT", "PATCH", "DELETE") and getattr(self.view, "uses_etag", False):
            codes.append("412")
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            codes.append("415")  # a body in a media type the API does not parse
        if self.view.get_throttles():
            codes.append("429")
        return sorted(set(codes))

    def _get_response_bodies(self, direction: str = "response") -> dict:
        from registry.api.serializers import ErrorSerializer

        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            responses.setdefault(code, self._get_response_for_code(ErrorSerializer, code, direction=direction))
        return responses
