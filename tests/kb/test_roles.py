from collections import defaultdict

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group as Role
from django.test import Client
from django.urls import NoReverseMatch, reverse

from groups.models import Group
from kb.models import PublicationStatus
from sources.models import Source
from tests.admin.page_forms import add_inline_row, form_data
from tests.factories import AttackFactory, CitationFactory, GroupFactory, SourceFactory
from tests.kb.test_curated_models import CURATED_MODELS

pytestmark = pytest.mark.django_db

# Derived from the models, so a new curated model missing from the roles' migration fails here.
CURATED = defaultdict(list)
for _model in CURATED_MODELS:
    CURATED[_model._meta.app_label].append(_model._meta.model_name)


def codenames(role: str) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in Role.objects.get(name=role).permissions.select_related("content_type")}


def test_editors_create_and_change_everything_but_never_delete_sources_or_publish():
    editor = codenames("Editor")
    for app, models in CURATED.items():
        for model in models:
            assert {f"{app}.view_{model}", f"{app}.add_{model}", f"{app}.change_{model}"} <= editor
            assert f"{app}.publish_{model}" not in editor
    assert "sources.delete_source" not in editor
    assert "groups.delete_alias" in editor and "sources.delete_citation" in editor


def test_reviewers_may_do_everything_including_publishing():
    reviewer = codenames("Reviewer")
    for app, models in CURATED.items():
        for model in models:
            for action in ("view", "add", "change", "delete", "publish"):
                assert f"{app}.{action}_{model}" in reviewer


def test_roles_grant_nothing_outside_the_curated_models(editor, reviewer):
    for user in (editor, reviewer):
        assert not user.has_perm("auth.add_user")
        assert not user.has_perm("auth.change_group")


# --- What each role may read and write, over HTTP ---------------------------------------------------------------

ADMIN_VIEWS = ("changelist", "add", "change", "history", "delete")


def admin_pages() -> list[str]:
    """Every page of every model in the admin (curated, accounts, login attempts), for a record with id 1."""
    pages = [reverse("admin:index"), reverse("admin:password_change"), reverse("admin:autocomplete")]
    for model in admin.site._registry:
        opts = model._meta
        for view in ADMIN_VIEWS:
            args = [] if view in ("changelist", "add") else [1]
            try:
                pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args))
            except NoReverseMatch:  # a read-only log has no add page
                continue
    return pages


def test_anonymous_visitors_are_sent_to_log_in_from_every_admin_page(client):
    GroupFactory()
    pages = admin_pages()
    assert len(pages) > 40
    for page in pages:
        for method in (client.get, client.post):
            response = method(page)
            assert response.status_code == 302 and response["Location"].startswith("/admin/login/?next="), (method, page)
    assert not Group.objects.exclude(pk=Group.objects.get().pk).exists()


def test_editors_cannot_manage_accounts_or_lift_login_locks(editor_client):
    for name in ("auth_user_changelist", "auth_group_changelist", "axes_accessattempt_changelist", "axes_accesslog_changelist"):
        assert editor_client.get(reverse(f"admin:{name}")).status_code == 403, name


def test_editors_change_groups_but_a_forged_publication_status_stays_a_draft(editor_client):
    group = GroupFactory(summary="Old", publication_status=PublicationStatus.DRAFT)
    url = reverse("admin:groups_group_change", args=[group.pk])
    page = editor_client.get(url)
    assert "publication_status" not in page.context["adminform"].form.fields
    data = form_data(page)
    data.update(summary="New", publication_status="published", change_reason="forged")
    add_inline_row(data, "aliases", name="Front Name", kind="exonym", publication_status="published")
    assert editor_client.post(url, data).status_code == 302
    group.refresh_from_db()
    assert (group.summary, group.publication_status) == ("New", PublicationStatus.DRAFT)
    assert group.aliases.get().publication_status == PublicationStatus.DRAFT


def test_editors_cannot_delete_a_source_even_by_posting(editor_client):
    source = SourceFactory()
    response = editor_client.post(reverse("admin:sources_source_delete", args=[source.pk]), {"post": "yes", "change_reason": "x"})
    assert response.status_code == 403 and Source.objects.filter(pk=source.pk).exists()


WRITES = ("post", "put", "patch", "delete")
READ_ONLY_PAGES = [
    "/", "/search/?q=front", "/groups/", "/groups/test-front/", "/attacks/", "/attacks/test-attack/", "/sources/",
    "/sources/test-article/", "/healthz",
    "/api/v1/", "/api/v1/groups/", "/api/v1/groups/test-front/", "/api/v1/groups/test-front/stix/", "/api/v1/aliases/",
    "/api/v1/affiliations/", "/api/v1/attacks/", "/api/v1/attacks/test-attack/", "/api/v1/sources/", "/api/v1/sources/test-article/",
    "/api/v1/citations/", "/api/v1/deletions/", "/api/v1/export/stix/", "/api/v1/schema/", "/api/v1/docs/",
]  # fmt: skip


@pytest.mark.parametrize("who", ["anonymous", "editor", "reviewer"])
def test_the_site_and_the_api_refuse_every_write_whoever_asks(client, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    group = GroupFactory(slug="test-front", name="Test Front")
    AttackFactory(slug="test-attack")
    CitationFactory(group=group, source=SourceFactory(slug="test-article"))
    before = {model: model.history.count() for model in CURATED_MODELS}
    body = '{"name": "Changed", "slug": "changed", "publication_status": "published"}'
    for path in READ_ONLY_PAGES:
        for method in WRITES:
            response = getattr(client, method)(path, body, content_type="application/json")
            assert response.status_code == 405, (method, path, response.status_code)
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post("/groups/", {"name": "x"}).status_code == 403  # a browser's form post meets the CSRF check first
    assert {model: model.history.count() for model in CURATED_MODELS} == before
    assert Group.objects.get().name == "Test Front"
