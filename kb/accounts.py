"""Accounts that commands record their writes under in history: they exist for that and cannot log in."""

from __future__ import annotations

from django.contrib.auth import get_user_model


def system_account(username: str, *, roles: tuple[str, ...] = ()):
    """The inactive account `username`, created without a usable password the first time it is asked for, in
    `roles` (e.g. "Reviewer": what it writes is published by its command, as reviewed data)."""
    from django.contrib.auth.models import Group as Role

    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"is_active": False})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if roles:
        user.groups.add(*Role.objects.filter(name__in=roles))
    return user
