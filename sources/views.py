"""The public pages of sources: metadata, link, and the quotes cited from each (never the stored full text)."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from kb.cache import cache_public_page, cache_record_page
from kb.listing import filtered_list

from . import selectors
from .filtersets import SourceFilterSet
from .models import Source


@require_GET
@cache_public_page(filterset=SourceFilterSet, params=["page"], expensive=True)
def source_list(request):
    listing = filtered_list(request, SourceFilterSet, selectors.sources_for_list())
    return render(request, "sources/source_list.html", {"listing": listing, "section": "sources"}, status=listing.status)


@require_GET
@cache_record_page()
def source_detail(request, key):
    try:
        page = selectors.source_page(key)
    except Source.DoesNotExist:
        raise Http404("No published source has this address.") from None
    if key != page.source.slug:
        return redirect(page.source, permanent=True)
    return render(request, "sources/source_detail.html", {"section": "sources", "page": page, "source": page.source})
