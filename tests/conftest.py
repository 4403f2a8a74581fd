import pytest
from django.contrib.auth.models import Group as Role

from tests.factories import UserFactory


@pytest.fixture
def editor(db):
    user = UserFactory(username="editor", is_staff=True)
    user.groups.add(Role.objects.get(name="Editor"))
    return user


@pytest.fixture
def reviewer(db):
    user = UserFactory(username="reviewer", is_staff=True)
    user.groups.add(Role.objects.get(name="Reviewer"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture(autouse=True)
def _no_cached_names():
    """The index of names is kept per process while the data version stands; a rollback does not move the version."""
    from intake.mentions import forget_known_names

    forget_known_names()
    yield
    forget_known_names()


@pytest.fixture(autouse=True)
def _empty_public_cache():
    """Cached pages are keyed by a database sequence that rollbacks do not rewind: start every test with none."""
    from django.core.cache import caches

    caches["public"].clear()
    caches["throttle"].clear()  # counters too: a test counts its own requests only
    yield
    caches["public"].clear()
    caches["throttle"].clear()
