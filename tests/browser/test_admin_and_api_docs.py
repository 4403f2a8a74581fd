"""The admin and the API docs work under their Content-Security-Policy: the page-error check of conftest.py fails
any test whose page logs a CSP violation ("Refused to execute inline script…")."""

import pytest
from playwright.sync_api import expect

from tests.factories import GroupFactory, UserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture
def logged_in(page):
    UserFactory(username="chief", is_staff=True, is_superuser=True)
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("chief")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Curation")).to_be_visible()
    return page


def test_swagger_ui_renders_every_operation_from_our_static_files(page, save_screenshot):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Militant groups knowledge base API")
    operation = page.get_by_role("button", name="GET /api/v1/groups/{slug}/", exact=True)
    expect(operation).to_be_visible()
    assert page.locator(".opblock").count() >= 10
    operation.click()  # the operation opens: the scripts run
    expect(page.get_by_role("button", name="Try it out")).to_be_visible()
    assert all(url.startswith(page.url.split("/api/")[0]) or url.startswith("data:") for url in requests), requests
    save_screenshot("api-docs")


def test_an_editor_works_through_the_admin_with_its_scripts_and_styles(logged_in, save_screenshot):
    page = logged_in
    group = GroupFactory(name="Islamic State")
    page.goto("/admin/groups/group/")
    expect(page.get_by_role("link", name="Islamic State")).to_be_visible()
    page.goto("/admin/groups/group/add/")
    rows = page.locator("#aliases-group tr.dynamic-aliases")
    before = rows.count()
    page.get_by_text("Add another Alias").click()  # inlines.js adds a row
    expect(rows).to_have_count(before + 1)
    save_screenshot("admin-add-group")
    page.goto("/admin/groups/affiliation/add/")
    page.locator("#id_from_group + .select2").click()  # the autocomplete widget asks the admin for matches
    page.locator(".select2-search__field").fill("islamic")
    expect(page.locator(".select2-results__option", has_text="Islamic State")).to_be_visible()
    page.goto(f"/admin/groups/group/{group.pk}/history/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Change history")
