"""Every write, from the admin, an import or a command, leaves a user and a reason in history.

Two nets: with the guard of kb/audit.py on, every write path is walked and must leave only
history rows with a user and a reason (a path without them is refused and the test fails);
and the code is searched for queryset writes (`.update()`, `bulk_create`…) that send no signal
and so escape the guard, outside `kb/services.py`.
"""

import ast
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from groups.models import Alias, Group
from kb.audit import UnauditedWrite
from kb.models import CuratedModel
from kb.services import record_delete, record_restore, record_save, record_upsert
from sources.models import Citation, Source
from tests.admin.page_forms import add_inline_row, form_data
from tests.admin.test_admin_pages import FACTORIES, admin_url, new_record_values

pytestmark = pytest.mark.django_db

CURATED = [model for model in apps.get_models() if issubclass(model, CuratedModel)]
QUERYSET_WRITES = {"update", "bulk_create", "bulk_update", "create", "get_or_create", "update_or_create", "delete"}
ACCOUNT_MODELS = {"User", "Role", "Permission"}
WRITE_SERVICES = Path(settings.BASE_DIR) / "kb" / "services"


def history_high_water() -> dict:
    return {model: model.history.order_by("-history_id").values_list("history_id", flat=True).first() or 0 for model in CURATED}


def unaudited_rows_since(marks: dict) -> list[str]:
    rows = []
    for model, mark in marks.items():
        for row in model.history.filter(history_id__gt=mark):
            if row.history_user_id is None or not (row.history_change_reason or "").strip():
                rows.append(f"{model.__name__} {row.id} ({row.get_history_type_display()})")
    return rows


@pytest.fixture
def audited():
    with override_settings(KB_AUDIT_WRITES=True):
        yield


def test_a_write_without_a_user_or_reason_is_refused_before_it_reaches_the_database(audited, admin_user):
    group = Group(name="Unrecorded Front", slug="unrecorded")
    with pytest.raises(UnauditedWrite, match="without a user and a reason"):
        group.save()
    assert not Group.objects.filter(slug="unrecorded").exists()
    record_save(instance=group, user=admin_user, reason="From the article")
    group._change_reason = ""
    with pytest.raises(UnauditedWrite, match="without a reason"), transaction.atomic():  # as a request would be
        group.delete()
    assert Group.objects.filter(slug="unrecorded").exists()


def test_every_write_path_leaves_a_user_and_a_reason(audited, admin_client, admin_user):
    with override_settings(KB_AUDIT_WRITES=False):
        values = new_record_values()  # test fixtures, built by factories
    marks = history_high_water()

    # The admin: add every curated model.
    for model in FACTORIES:
        page = admin_client.get(admin_url(model, "add"))
        data = {**form_data(page), **{k: str(v) for k, v in values[model].items()}, "change_reason": "Added from the article"}
        response = admin_client.post(admin_url(model, "add"), data)
        assert response.status_code == 302, (model.__name__, response.context and response.context["adminform"].form.errors)

    # The demo-data import (a command), then the services directly.
    call_command("load_demo_data", stdout=None)
    group = Group.objects.get(slug="islamic-state")
    record_upsert(
        model=Alias, lookup={"group": group, "name": "Dawla"}, values={"kind": "short_form"}, user=admin_user, reason="Seen in a source"
    )

    # A source's mentions page: a sentence cited for a record, and a new alias opened from it with its citation.
    source = Source.objects.get(slug="pak-militant-group-worked-with-isis-on-police-attack-spokesman")
    sentence = "LeJ is also affiliated with the Pakistani Taliban who in turn pledge allegiance to al-Qaeda"
    cite = reverse("admin:sources_source_cite", args=[source.pk])
    assert admin_client.post(cite, {"target": f"group:{group.pk}", "quote": sentence, "change_reason": "Quoted"}).status_code == 302
    new_alias = f"{admin_url(Alias, 'add')}?{urlencode({'citation_source': source.pk, 'citation_quote': sentence, 'name': 'Dawlat'})}"
    data = {**form_data(admin_client.get(new_alias)), "group": group.pk, "kind": "variant", "change_reason": "From the mentions page"}
    data.update({"citations-TOTAL_FORMS": "1", "citations-0-source": source.pk, "citations-0-quote": sentence})
    data["citations-0-publication_status"] = "draft"
    assert admin_client.post(new_alias, data).status_code == 302
    assert Citation.objects.filter(quote=sentence).count() == 2

    # The admin again: a change with a new inline row, a revert, a delete, a restore.
    url = admin_url(Group, "change", group.pk)
    data = add_inline_row(form_data(admin_client.get(url)), "aliases", name="Daula", kind="variant")
    assert admin_client.post(url, {**data, "summary": "Edited.", "change_reason": "Edited in the admin"}).status_code == 302
    oldest = group.history.order_by("history_id").first()
    revert = admin_client.get(reverse("admin:groups_group_simple_history", args=[group.pk, oldest.history_id]))
    assert (
        admin_client.post(revert.request["PATH_INFO"], {**form_data(revert), "change_reason": "Back to the first version"}).status_code
        == 302
    )
    deleted = Group.objects.get(slug="lashkar-e-jhangvi")
    deleted_id = deleted.pk
    assert admin_client.post(admin_url(Group, "delete", deleted_id), {"post": "yes", "change_reason": "Test"}).status_code == 302
    assert admin_client.post(admin_url(Group, "restore", deleted_id), {"change_reason": "Restored in the admin"}).status_code == 302
    record_delete(instance=Group.objects.get(slug="sipah-sahaba-pakistan"), user=admin_user, reason="Test")
    record_restore(model=Group, record_id=Group.history.filter(history_type="-").latest("history_id").id, user=admin_user, reason="Test")

    assert unaudited_rows_since(marks) == []
    assert sum(model.history.filter(history_id__gt=marks[model]).count() for model in CURATED) > 300


def _queryset_writes(path: Path) -> list[str]:
    """Calls like `X.objects....update(...)` or `qs.filter(...).delete()`: writes that send no per-record signal."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in QUERYSET_WRITES:
            chain = ast.unparse(node.func.value)
            if chain.split(".")[0] in ACCOUNT_MODELS:
                continue  # user accounts are not curated records; they keep no history
            if ".objects" in chain or ".history" in chain or any(f".{m}(" in chain for m in ("filter", "exclude", "all")):
                found.append(f"{path.relative_to(settings.BASE_DIR)}:{node.lineno}: {ast.unparse(node)[:100]}")
    return found


def test_no_queryset_writes_outside_the_services():
    base = Path(settings.BASE_DIR)
    code = [path for app in ("groups", "sources", "kb") for path in (base / app).rglob("*.py") if "migrations" not in path.parts]
    offenders = [hit for path in code if not path.is_relative_to(WRITE_SERVICES) for hit in _queryset_writes(path)]
    assert offenders == [], "Write through kb.services, which records who and why:\n" + "\n".join(offenders)
