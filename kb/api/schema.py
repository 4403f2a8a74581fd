"""The OpenAPI schema: drf-spectacular's, plus the error answers every endpoint can give."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

ERROR = inline_serializer("Error", {"detail": serializers.CharField()})
INVALID_PARAMETERS = {
    "type": "object",
    "description": 'Each invalid query parameter, with what is wrong with it: {"status": ["Select a valid choice…"]}.',
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


CSV_MEDIA_TYPE = "text/csv"
CSV_BODY = {
    "type": "string",
    "description": "The whole filtered list as CSV (UTF-8 with a byte-order mark, a header row, no paging). A text cell "
    "that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return) begins with an "
    "apostrophe; the JSON answer has the raw values.",
}


class KnowledgeBaseSchema(AutoSchema):
    """Documents 400 (invalid parameters), 404 and 429 (throttled) next to each endpoint's own answers.

    A list's CSV (`/api/v1/groups.csv`, see `ApiRouter.csv_urls`) is an operation of its own that answers text/csv,
    declared as a string, and the list itself answers JSON only: a generated client picks one parser per operation,
    so a list declaring both would parse the CSV as JSON. (`?format=csv` on the list still works, undocumented.)
    """

    def _is_csv_operation(self) -> bool:
        return self.path.endswith(".csv")

    def map_renderers(self, attribute):
        csv = CSV_MEDIA_TYPE if attribute == "media_type" else "csv"
        if self._is_csv_operation():
            return [csv]
        return [renderer for renderer in super().map_renderers(attribute) if renderer != csv]

    def _get_pagination_parameters(self):
        return [] if self._is_csv_operation() else super()._get_pagination_parameters()

    def get_operation_id(self):
        if self._is_csv_operation():
            return self.path.rsplit("/", 1)[-1].removesuffix(".csv").replace("-", "_") + "_csv"
        return super().get_operation_id()

    def get_tags(self):
        return [tag.removesuffix(".csv") for tag in super().get_tags()]

    def get_description(self):
        if self._is_csv_operation():
            return "The whole filtered list as CSV, in one answer (no paging): the list's filters apply."
        return super().get_description()

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        if CSV_MEDIA_TYPE in response.get("content", {}):
            response["content"][CSV_MEDIA_TYPE] = {"schema": CSV_BODY}
        return response

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = {"404": ("Not found: an unknown or unpublished record, page or format.", ERROR)}
        if self.method == "GET" and (self._is_list_view() or self.get_filter_backends() or self.get_override_parameters()):
            errors["400"] = ("Invalid query parameters: the body names each one and says why.", INVALID_PARAMETERS)
        errors["429"] = ("Too many requests from this address; retry after the number of seconds in Retry-After.", ERROR)
        for code, (description, serializer) in errors.items():
            if code not in responses:
                response = self._get_response_for_code(serializer, code, ["application/json"], direction)
                response["description"] = description
                responses[code] = response
        return responses


# Paging parameters are whole numbers from these minimums (larger page sizes are cut to the maximum).
PAGING_MINIMUMS = {"page": 1, "page_size": 1, "limit": 1, "offset": 0}


def require_values(result, generator, request, public):
    """Postprocessing hook: say what the API enforces. A query parameter given must have a value (`?q=` is a 400),
    and paging numbers start at 1 (offset at 0)."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") != "query":
                    continue
                if schema.get("type") == "string" and "enum" not in schema:
                    schema.setdefault("minLength", 1)
                    schema.setdefault("pattern", "^[^\\x00]*$")  # refused by kb.middleware.RefuseNulCharacters
                if schema.get("type") == "array":
                    schema.setdefault("minItems", 1)
                if parameter["name"] in PAGING_MINIMUMS and schema.get("type") == "integer":
                    schema["minimum"] = PAGING_MINIMUMS[parameter["name"]]
    return result
