"""Views that belong to no single app: the home page and the health check."""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from groups.selectors import published_groups_with_aliases


@require_GET
def home(request):
    return render(request, "home.html", {"groups": published_groups_with_aliases()})


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
