"""The roles and size-estimates endpoints: public records only, each with its citations, filtered like the site."""

import datetime

import pytest

from groups.models import RoleKind
from kb.dates import DatePrecision
from kb.models import PublicationStatus
from tests.factories import CitationFactory, GroupFactory, GroupRoleFactory, PersonFactory, SizeEstimateFactory

pytestmark = pytest.mark.django_db
QUOTE = "a spokesman said Wednesday"
DRAFT = PublicationStatus.DRAFT


@pytest.fixture
def lej():
    group = GroupFactory(slug="lej-al-alami", name="Lashkar-e-Jhangvi Al-Alami")
    role = GroupRoleFactory(
        group=group,
        person=PersonFactory(name="Ali bin Sufyan", slug="ali-bin-sufyan"),
        as_of=datetime.date(2016, 10, 1),
        as_of_precision=DatePrecision.MONTH,
    )
    CitationFactory(group_role=role, group=None, quote=QUOTE)
    estimate = SizeEstimateFactory(group=group, low=300, high=500, estimated_by="Pakistani officials")
    CitationFactory(size_estimate=estimate, group=None, quote=QUOTE)
    GroupRoleFactory(group=group, person=PersonFactory(name="Draft Person", publication_status=DRAFT))
    GroupRoleFactory(group=GroupFactory(slug="hidden", publication_status=DRAFT), kind=RoleKind.LEADER)
    SizeEstimateFactory(group=group, low=9000, high=9000, publication_status=DRAFT)
    return {"group": group, "role": role, "estimate": estimate}


def test_a_role_names_the_person_the_group_the_role_its_dates_and_its_citations(get_json, lej):
    status, body = get_json(f"/api/v1/roles/{lej['role'].pk}/")
    assert status == 200
    assert body["person"] == {"id": lej["role"].person_id, "slug": "ali-bin-sufyan", "name": "Ali bin Sufyan"}
    assert (body["group"]["slug"], body["kind"], body["label"]) == ("lej-al-alami", "spokesman", "Spokesman")
    assert body["as_of"] == {"date": "2016-10-01", "precision": "month", "display": "Oct 2016"}
    assert body["started"] is None and body["citations"][0]["quote"] == QUOTE


def test_roles_list_only_public_ones_and_filter_by_group_person_and_kind(get_json, lej):
    assert [r["id"] for r in get_json("/api/v1/roles/")[1]["results"]] == [lej["role"].pk]
    assert get_json("/api/v1/roles/", {"group": "lej-al-alami"})[1]["count"] == 1
    assert get_json("/api/v1/roles/", {"person": "ALI BIN SUFYAN"})[1]["count"] == 1
    assert get_json("/api/v1/roles/", {"kind": "leader"})[1]["count"] == 0
    assert get_json("/api/v1/roles/", {"kind": "emperor"})[0] == 400


def test_a_size_estimate_gives_the_range_by_whom_and_its_citations(get_json, lej):
    body = get_json("/api/v1/size-estimates/", {"group": "lej-al-alami"})[1]
    assert body["count"] == 1
    [estimate] = body["results"]
    assert (estimate["low"], estimate["high"], estimate["figure"], estimate["estimated_by"]) == (
        300,
        500,
        "300–500 fighters",
        "Pakistani officials",
    )
    assert estimate["as_of"] is None and estimate["citations"][0]["quote"] == QUOTE
    assert get_json(f"/api/v1/size-estimates/{lej['estimate'].pk}/")[0] == 200


def test_a_groups_citations_include_those_of_its_people_and_size(get_json, lej):
    facts = [c["fact"] for c in get_json("/api/v1/citations/", {"group": "lej-al-alami"})[1]["results"]]
    assert {"type": "group_role", "id": lej["role"].pk} in facts and {"type": "size_estimate", "id": lej["estimate"].pk} in facts


@pytest.mark.parametrize(("path", "queries"), [("/api/v1/roles/", 4), ("/api/v1/size-estimates/", 4)])
@pytest.mark.parametrize("records", [1, 12])
def test_list_query_counts_do_not_grow(client, django_assert_num_queries, path, queries, records):
    # data version, count, page with what it names, citations with sources
    for _ in range(records):
        CitationFactory(group_role=GroupRoleFactory(), group=None, quote=QUOTE)
        CitationFactory(size_estimate=SizeEstimateFactory(), group=None, quote=QUOTE)
    with django_assert_num_queries(queries):
        assert client.get(path).status_code == 200
