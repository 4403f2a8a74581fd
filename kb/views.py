"""Views every page shares: the error pages (JSON under /api/) and the health check."""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def page_not_found(request, exception):
    """404: JSON under /api/ (a program reads it), the friendly page elsewhere."""
    if request.path.startswith("/api/"):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def api_not_found(request, *args, **kwargs):
    """The API's answer to a path it does not route. Routed as the API's last pattern too, because under DEBUG
    Django answers an unmatched URL with its HTML debug page and never calls `handler404`."""
    return JsonResponse({"detail": "Not found."}, status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error: it has been logged."}, status=500)
    return defaults.server_error(request)


@never_cache
@require_GET
def healthz(request):
    """For load balancers and compose: 200 when the database answers, 503 with the reason when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return JsonResponse({"status": "unavailable", "reason": f"database unreachable: {reason}"}, status=503)
    return JsonResponse({"status": "ok"})
