"""Views that belong to no single app: the home page, search across groups, attacks and sources, and the health check."""

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from groups import selectors as group_selectors
from groups.models import Attack, Group
from sources import selectors as source_selectors

from .cache import cache_public_page
from .search import MAX_QUERY_LENGTH, search_text


@require_GET
@cache_public_page
def home(request):
    context = {
        "counts": {
            "groups": Group.objects.public().count(),
            "attacks": Attack.objects.public().count(),
            "sources": source_selectors.public_sources().count(),
        },
        "recent_groups": group_selectors.recently_updated_groups(),
        "recent_attacks": group_selectors.recent_attacks(),
    }
    return render(request, "home.html", context)


@require_GET
@cache_public_page
def search(request):
    query = request.GET.get("q", "").strip()
    context = {"query": query, "max_length": MAX_QUERY_LENGTH}
    try:
        text = search_text(query)
    except ValidationError as error:
        context["error"] = error.messages[0]
        return render(request, "search.html", context, status=400)
    if text:
        context.update(
            searched=True,
            groups=group_selectors.search_groups(text),
            attacks=group_selectors.search_attacks(text),
            sources=source_selectors.search_sources(text),
        )
    return render(request, "search.html", context)


def page_not_found(request, exception):
    """404: JSON under /api/ (a program reads it), the friendly page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


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
