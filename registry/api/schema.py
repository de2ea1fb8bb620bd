"""OpenAPI: every operation documents its error answers in the §6 error shape."""

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import AllowAny


class RegistryAutoSchema(AutoSchema):
    def _error_codes(self) -> list[str]:
        codes = ["400"]
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions()) and self.method == "GET"
        if not public:
            codes += ["401", "403"]
        if "{" in self.path:
            codes.append("404")
        if self.method in ("PUT", "PATCH", "DELETE") and getattr(self.view, "uses_etag", False):
            codes.append("412")
        if getattr(self.view, "throttle_classes", None):
            codes.append("429")
        return codes

    def _get_response_bodies(self, direction: str = "response") -> dict:
        from registry.api.serializers import ErrorSerializer

        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            responses.setdefault(code, self._get_response_for_code(ErrorSerializer, code, direction=direction))
        return responses
