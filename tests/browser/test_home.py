from playwright.sync_api import expect

from kb.models import PublicationStatus
from tests.factories import AliasFactory, GroupFactory


def test_home_shows_recent_published_profiles_and_hides_drafts(page, save_screenshot):
    AliasFactory(group=GroupFactory(name="Islamic State", summary="Middle East-based militant group."), name="Daesh")
    GroupFactory(name="Unreviewed Front", publication_status=PublicationStatus.DRAFT)

    page.goto("/")

    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text("Militant groups knowledge base")
    recent = page.locator("section", has=page.get_by_role("heading", name="Recently updated profiles"))
    expect(recent.get_by_role("link", name="Islamic State", exact=True)).to_be_visible()
    expect(recent.get_by_text("also Daesh")).to_be_visible()
    expect(page.get_by_text("Unreviewed Front")).to_have_count(0)
    expect(page.get_by_role("searchbox")).to_be_visible()
    save_screenshot("home")
