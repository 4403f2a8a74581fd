"""TAXII 2.1's media types: what the server answers in, which Accept headers it honours, and its error messages."""

from __future__ import annotations

from http import HTTPStatus

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import BaseContentNegotiation

from kb.api.renderers import JSONRenderer

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"


class RawJSON(str):
    """JSON text already written (an envelope around the objects' stored bodies): sent as it is, never parsed."""


class TaxiiRenderer(JSONRenderer):
    media_type = TAXII_MEDIA_TYPE
    format = "taxii"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, RawJSON):
            return data.encode()
        return super().render(data, accepted_media_type, renderer_context)


class TaxiiContentNegotiation(BaseContentNegotiation):
    """Every answer is `application/taxii+json;version=2.1`; an Accept header that takes it (that type, the type without
    a version, which means the newest, or `*/*`, as curl sends) gets it, any other a 406 (TAXII 2.1, 1.6.8).

    Django's own matching does the work: a version other than 2.1 does not match, and `q=0` refuses.
    """

    def select_parser(self, request, parsers):
        return None  # nothing here reads a request body

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        if not request.accepts(renderer.media_type):
            raise NotAcceptable(
                f"This server answers in {TAXII_MEDIA_TYPE} only; the Accept header asks for {request.headers.get('Accept', '')[:200]!r}."
            )
        return renderer, renderer.media_type


def error_message(status: int, description: str) -> dict:
    """A TAXII 2.1 error message (3.6.1): what went wrong, for a person and for a program."""
    return {"title": HTTPStatus(status).phrase, "description": description, "http_status": str(status)}
