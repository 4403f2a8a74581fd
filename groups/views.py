"""The public pages of groups and attacks, and the home and search pages, which read sources too. Views stay thin:
selectors fetch, templates render."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from kb.cache import cache_public_page, cache_record_page
from kb.dates import parse_moment_key
from kb.listing import filtered_list
from kb.prebuilt import prebuilt_response
from kb.search import MAX_QUERY_LENGTH, search_text
from sources import selectors as source_selectors

from . import selectors
from . import theatres as theatre_selectors
from .citing import FORMATS, ProfileCitation, current_version, json_ld
from .figures.graphs import GraphOptions
from .filtersets import AttackFilterSet, GroupFilterSet, TheatreFilterSet
from .models import Attack, Group, Theatre
from .revisions import (
    group_profile_as_of,
    mark_withdrawn,
    profile_revisions,
    published_group_at,
    version_address_key,
    version_withdrawal,
    withdrawn_versions,
)

# What a profile's query string may hold: a page and order of its attacks, and what its graph shows.
PROFILE_PARAMETERS = ("page", "sort", *GraphOptions.PARAMETERS)


@require_GET
@cache_public_page(filterset=GroupFilterSet, params=["page"], expensive=True)
def group_list(request):
    listing = filtered_list(request, GroupFilterSet, selectors.groups_for_list())
    return render(request, "groups/group_list.html", {"listing": listing, "section": "groups"}, status=listing.status)


@require_GET
@cache_record_page(params=PROFILE_PARAMETERS)
def group_detail(request, slug):
    """The profile; as most readers ask for it (no query string), prebuilt and refreshed on write (`kb.prebuilt`)."""
    return prebuilt_response(request, lambda: _group_detail(request, slug))


def _group_detail(request, slug):
    graph = GraphOptions.from_query(request.GET)
    try:
        sort, sort_error = selectors.attack_sort(request.GET.get("sort"))
        profile = selectors.group_profile(slug, attack_page=request.GET.get("page"), attack_sort=sort, graph=graph)
    except Group.DoesNotExist:
        raise Http404("No published group has this address.") from None
    citation = ProfileCitation.of(profile.group, current_version(profile.group), request)
    theatres = theatre_selectors.theatres_of(profile.group)
    context = _profile_context(request, profile, citation, sort_error=sort_error, theatres=theatres)
    return render(request, "groups/group_detail.html", context, status=_status(graph, sort_error))


def _status(graph: GraphOptions, sort_error: str) -> int:
    """A graph or table asked for in terms the page cannot read is drawn without them, with the reason, as a bad
    request."""
    return 400 if graph.problems or sort_error else 200


def _profile_context(request, profile, citation: ProfileCitation, **extra) -> dict:
    page_url = request.build_absolute_uri(request.path)  # the profile, whichever page of its attacks is shown
    aliases = [entry.alias.name for section in profile.alias_sections for entry in section.entries]
    sources = [entry.source for entry in profile.reference_sources]  # each cited source once, in the order first cited
    return {
        "section": "groups",
        "attack_sorts": selectors.ATTACK_SORTS,
        "profile": profile,
        "group": profile.group,
        "page_url": page_url,
        "citation": citation,
        "json_ld": json_ld(profile.group, page_url=citation.current_url, aliases=aliases, sources=sources),
        **extra,
    }


@require_GET
@cache_record_page()
def group_cite(request, slug, suffix):
    """The current version of a profile as a citation file: BibTeX (`cite.bib`), RIS (`cite.ris`) or CSL-JSON (`cite.json`)."""
    if suffix not in FORMATS:
        raise Http404("Citations are cite.bib, cite.ris and cite.json.")
    group = selectors.groups_for_detail().filter(slug=slug).first()  # with its last change
    if group is None:
        raise Http404("No published group has this address.")
    return _citation_file(ProfileCitation.of(group, current_version(group), request), suffix)


@require_GET
@cache_record_page(expensive=True)
def group_revision_cite(request, slug, key, suffix):
    """A version of a profile as a citation file, as long as the version itself can be read."""
    moment = parse_moment_key(key)
    if suffix not in FORMATS or moment is None:
        raise Http404("Citations of a version are its address followed by cite.bib, cite.ris or cite.json.")
    try:
        group = published_group_at(slug, moment)
    except Group.DoesNotExist:
        raise Http404("The group was not published at that moment.") from None
    if version_key := version_address_key(group.pk, moment):
        return redirect("groups:group_revision_cite", slug=slug, key=version_key, suffix=suffix)
    if version_withdrawal(group.pk, moment):
        return HttpResponse("This version of the profile has been withdrawn.\n", status=410, content_type="text/plain; charset=utf-8")
    return _citation_file(ProfileCitation.of(group, moment, request, as_of=True), suffix)


def _citation_file(citation: ProfileCitation, suffix: str) -> HttpResponse:
    content_type, _label = FORMATS[suffix]
    response = HttpResponse(citation.as_format(suffix), content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{citation.key}.{suffix}"'
    return response


@require_GET
@cache_record_page(expensive=True)
def group_changes(request, slug):
    """The profile's public change log: when it changed and what, never who; a withdrawn version is marked, not linked."""
    group = Group.objects.public().filter(slug=slug).first()  # the log needs the name, not the last-updated annotation
    if group is None:
        raise Http404("No published group has this address.")
    revisions = mark_withdrawn(profile_revisions(group.pk), withdrawn_versions(group.pk))
    return render(request, "groups/group_changes.html", {"section": "groups", "group": group, "revisions": revisions})


@require_GET
@cache_record_page(params=PROFILE_PARAMETERS, expensive=True)
def group_revision(request, slug, key):
    """The profile as it was at a revision: a permanent address for citing it, until the version is withdrawn (410)."""
    moment = parse_moment_key(key)
    if moment is None:
        raise Http404("This is not a revision of the profile.")
    try:
        group = published_group_at(slug, moment)
    except Group.DoesNotExist:
        raise Http404("The group was not published at that moment.") from None
    if version_key := version_address_key(group.pk, moment):  # the version shown then, its graph and table as asked
        query = request.GET.urlencode()
        return redirect(reverse("groups:group_revision", kwargs={"slug": slug, "key": version_key}) + (f"?{query}" if query else ""))
    if withdrawal := version_withdrawal(group.pk, moment):
        current_slug = Group.objects.public().filter(pk=group.pk).values_list("slug", flat=True).first()
        context = {"section": "groups", "withdrawal": withdrawal, "slug": current_slug, "revision": moment}
        return render(request, "groups/group_version_gone.html", context, status=410)
    sort, sort_error = selectors.attack_sort(request.GET.get("sort"))
    graph = GraphOptions.from_query(request.GET)
    profile = group_profile_as_of(group, moment, attack_page=request.GET.get("page"), attack_sort=sort, graph=graph)
    citation = ProfileCitation.of(profile.group, moment, request, as_of=True)
    context = _profile_context(request, profile, citation, revision=moment, sort_error=sort_error)
    return render(request, "groups/group_detail.html", context, status=_status(graph, sort_error))


@require_GET
@cache_public_page(filterset=AttackFilterSet, params=["page"], expensive=True)
def attack_list(request):
    listing = filtered_list(request, AttackFilterSet, selectors.attacks_for_list())
    return render(request, "groups/attack_list.html", {"listing": listing, "section": "attacks"}, status=listing.status)


@require_GET
@cache_record_page()
def attack_detail(request, key):
    try:
        page = selectors.attack_page(key)
    except Attack.DoesNotExist:
        raise Http404("No published attack has this address.") from None
    if key != page.attack.slug:
        return redirect(page.attack, permanent=True)
    return render(
        request,
        "groups/attack_detail.html",
        {"section": "attacks", "page": page, "attack": page.attack, "page_url": request.build_absolute_uri()},
    )


@require_GET
@cache_public_page(filterset=TheatreFilterSet, params=["page"], expensive=True)
def theatre_list(request):
    listing = filtered_list(request, TheatreFilterSet, theatre_selectors.theatres_for_list())
    return render(request, "groups/theatre_list.html", {"listing": listing, "section": "maps"}, status=listing.status)


@require_GET
@cache_record_page()
def theatre_detail(request, slug):
    """A theatre's map: its groups over its period, the relationships among them, and their citations."""
    try:
        page = theatre_selectors.theatre_page(slug)
    except Theatre.DoesNotExist:
        raise Http404("No published map has this address.") from None
    return render(request, "groups/theatre_detail.html", {"section": "maps", "page": page, "theatre": page.theatre})


@require_GET
@cache_public_page()
def home(request):
    context = {
        "counts": {
            "groups": Group.objects.public().count(),
            "attacks": Attack.objects.public().count(),
            "sources": source_selectors.public_sources().count(),
            "theatres": theatre_selectors.public_theatres().count(),
        },
        "recent_groups": selectors.recently_updated_groups(),
        "recent_attacks": selectors.recent_attacks(),
    }
    return render(request, "home.html", context)


@require_GET
@cache_public_page(params=["q"], expensive=True)
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
            groups=selectors.search_groups(text),
            sections=selectors.search_sections(text),
            roles=selectors.search_people(text),
            attacks=selectors.search_attacks(text),
            sources=source_selectors.search_sources(text),
        )
    return render(request, "search.html", context)
