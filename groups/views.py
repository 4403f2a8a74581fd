"""The public pages of groups and attacks. Views stay thin: selectors fetch, templates render."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from kb.listing import filtered_list

from . import selectors
from .filtersets import AttackFilterSet, GroupFilterSet
from .models import Attack, Group


@require_GET
def group_list(request):
    listing = filtered_list(request, GroupFilterSet, selectors.groups_for_list())
    return render(request, "groups/group_list.html", {"listing": listing, "section": "groups"}, status=listing.status)


@require_GET
def group_detail(request, slug):
    try:
        profile = selectors.group_profile(slug)
    except Group.DoesNotExist:
        raise Http404("No published group has this address.") from None
    return render(
        request,
        "groups/group_detail.html",
        {
            "section": "groups",
            "profile": profile,
            "group": profile.group,
            "page_url": request.build_absolute_uri(),
        },
    )


@require_GET
def attack_list(request):
    listing = filtered_list(request, AttackFilterSet, selectors.attacks_for_list())
    return render(request, "groups/attack_list.html", {"listing": listing, "section": "attacks"}, status=listing.status)


@require_GET
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
