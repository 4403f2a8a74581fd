"""Request checks that belong before any view."""

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse

NUL = "\x00"


class RefuseNulCharacters:
    """A NUL character cannot be stored or searched for in PostgreSQL: refuse it at the door with a 400 that says so,
    instead of failing deep inside a query (a slug or a filter)."""

    MESSAGE = "The query string contains a NUL character (%00), which no search or filter can use."
    PATH_MESSAGE = "The address contains a NUL character (%00), which no page has."

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path_info:
            return self.refuse(request, "path", self.PATH_MESSAGE)
        if any(NUL in name or any(NUL in value for value in values) for name, values in request.GET.lists()):
            return self.refuse(request, "query", self.MESSAGE)
        return self.get_response(request)

    @staticmethod
    def refuse(request, part: str, message: str):
        if request.path.startswith("/api/"):
            return JsonResponse({part: [message]}, status=400)
        if request.path.startswith("/taxii2/"):  # a TAXII 2.1 error message, in TAXII's media type
            error = {"title": "Bad Request", "description": message, "http_status": "400"}
            return JsonResponse(error, status=400, content_type="application/taxii+json;version=2.1")
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class ContentSecurityPolicy(CSPMiddleware):
    """django-csp's header: the public site's policy (`CONTENT_SECURITY_POLICY`), with the directives of the first
    `CONTENT_SECURITY_POLICY_AREAS` prefix the path starts with in place of the site's (the admin, the API docs)."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        for prefix, directives in settings.CONTENT_SECURITY_POLICY_AREAS.items():
            if request.path_info.startswith(prefix):
                parts.replace = {**directives, **(parts.replace or {})}  # a view's own @csp_replace still wins
                break
        return parts
