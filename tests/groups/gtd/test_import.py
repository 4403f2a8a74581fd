"""The GTD import of a file: groups matched or created; attacks, attributions and the GTD records they cite written
in batches with history, as one change set."""

import datetime

import pytest
from django.core.management import CommandError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.test import override_settings

from groups import gtd, services
from groups.gtd import write
from groups.models import Attack, Attribution, AttributionKind, Group
from kb.dates import DatePrecision
from kb.models import ChangeSet, ChangeSetKind, PublicationStatus
from kb.services import change_set_approve, publication_checks, record_delete, record_save
from kb.services.publishing import uncited_public_facts
from sources.models import Citation, Source
from tests.factories import AliasFactory, CitationFactory, GroupFactory, SourceFactory, user_in_role
from tests.groups.gtd.rows import gtd_row, import_gtd, parsed, write_gtd_csv


def history_rows() -> int:
    return sum(model.history.count() for model in (Attack, Attribution, Group, Source, Citation))


@pytest.fixture
def importer(db):
    """Who runs the import: a Reviewer, whose changes to published records are written, not held for review (what an
    Editor's import leaves for review is tested with the other paths of the publication gate)."""
    return user_in_role("Reviewer", username="gtd-importer")


@pytest.fixture
def lej(db):
    return GroupFactory(name="Lashkar-e-Jhangvi", slug="lashkar-e-jhangvi")


@pytest.fixture
def islamic_state(db):
    group = GroupFactory(name="Islamic State", slug="islamic-state")
    AliasFactory(group=group, name="ISIL")
    return group


def sample_rows():
    return [
        gtd_row(),
        gtd_row(eventid="201601000001", imonth="1", iday="0", city="Karachi", provstate="Sindh", nkill="", claimed="1", gname="ISIL"),
        gtd_row(eventid="201600000002", imonth="0", iday="0", gname="Made-up Front", guncertain1="1"),
        gtd_row(eventid="201600000003", country_txt="Narnia"),
        gtd_row(eventid="201600000004", latitude="95", longitude="10"),
        gtd_row(eventid="201600000005", gname="Unknown", weaptype1_txt="Explosives", attacktype1_txt="Bombing/Explosion"),
    ]


@pytest.mark.django_db
def test_good_rows_go_in_and_bad_rows_are_listed_with_their_line_numbers(tmp_path, importer, lej, islamic_state):
    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", sample_rows()))

    assert sorted(Attack.objects.values_list("slug", flat=True)) == [
        "gtd-201600000002", "gtd-201600000005", "gtd-201601000001", "gtd-201610240001",
    ]  # fmt: skip
    assert "Rows read: 6" in out and "Attacks: 4 created, 0 updated, 0 unchanged." in out
    assert "Row errors: 2 (these rows were not imported):" in out
    assert "line 5 (eventid 201600000003): unknown country “Narnia”" in out
    assert "line 6 (eventid 201600000004): latitude 95 is outside -90 to 90" in out
    assert "rows/s" in out

    karachi = Attack.objects.get(slug="gtd-201601000001")
    assert (karachi.date, karachi.date_precision) == (datetime.date(2016, 1, 1), "month")
    assert (karachi.killed, karachi.killed_qualifier) == (None, "")
    assert karachi.publication_status == PublicationStatus.DRAFT  # an editor publishes it once it cites an article
    assert set(Attribution.objects.values_list("attack__slug", "group__slug", "kind", "attributed_by")) == {
        ("gtd-201610240001", "lashkar-e-jhangvi", "attributed", "GTD"),
        ("gtd-201601000001", "islamic-state", "claimed", ""),
    }


@pytest.mark.django_db
def test_unknown_groups_are_reported_with_their_rows(tmp_path, importer, lej):
    rows = [gtd_row(eventid=f"2016000000{n:02}", gname="Made-up Front") for n in range(7)]
    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", rows))
    assert "Unknown groups: 1" in out
    assert "“Made-up Front”: 7 rows (lines 2, 3, 4, 5, 6, …)" in out
    assert not Group.objects.filter(name="Made-up Front").exists()
    assert Attack.objects.count() == 7 and not Attribution.objects.exists()


@pytest.mark.django_db
def test_create_unknown_groups_adds_draft_groups_flagged_for_review(tmp_path, importer, lej, islamic_state):
    path = write_gtd_csv(tmp_path / "gtd.csv", sample_rows())
    out = import_gtd(path, create_unknown_groups=True)
    assert "Draft groups created (1), to review: “Made-up Front”." in out

    group = Group.objects.get(name="Made-up Front")
    assert (group.slug, group.gtd_name, group.publication_status) == ("made-up-front", "Made-up Front", PublicationStatus.DRAFT)
    assert "GTD import" in group.summary and "review" in group.summary
    assert group.history.get().history_change_reason == "GTD 2016 release"
    attribution = Attribution.objects.get(group=group)
    assert (attribution.attack.slug, attribution.kind, attribution.attributed_by) == ("gtd-201600000002", "suspected", "GTD")

    again = import_gtd(path, create_unknown_groups=True)  # found by its GTD name now
    assert "Draft groups" not in again and Group.objects.filter(name="Made-up Front").count() == 1


@pytest.mark.django_db
def test_names_that_several_groups_share_are_reported_not_guessed(tmp_path, importer):
    for name in ("First Front", "Second Front"):
        AliasFactory(group=GroupFactory(name=name), name="The Front", shared_name_acknowledged=True)
    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row(gname="The Front")]))
    assert "Ambiguous group names: 1" in out and "“The Front” (could be First Front, Second Front): 1 row (line 2)" in out
    assert not Attribution.objects.exists()


@pytest.mark.django_db
def test_history_rows_carry_the_user_and_the_reason(tmp_path, importer, lej, islamic_state):
    with override_settings(KB_AUDIT_WRITES=True):  # the guard is on: every path of the import must say who and why
        import_gtd(write_gtd_csv(tmp_path / "gtd.csv", sample_rows()), create_unknown_groups=True)
    rows = [*Attack.history.all(), *Attribution.history.all(), *Group.history.filter(name="Made-up Front")]
    rows += [*Source.history.all(), *Citation.history.all()]
    assert len(rows) == 4 + 3 + 1 + 4 + (4 + 3 + 1)
    assert {(row.history_type, row.history_user, row.history_change_reason) for row in rows} == {("+", importer, "GTD 2016 release")}


@pytest.mark.django_db
def test_every_imported_fact_cites_the_words_of_its_gtd_record(tmp_path, importer, lej, islamic_state):
    import_gtd(write_gtd_csv(tmp_path / "gtd.csv", sample_rows()), create_unknown_groups=True)

    sources = {source.slug: source for source in Source.objects.all()}
    assert set(sources) == set(Attack.objects.values_list("slug", flat=True))  # one per event, under the attack's slug
    quetta = sources["gtd-201610240001"]
    assert (quetta.title, quetta.outlet, quetta.url) == (
        "Global Terrorism Database, event 201610240001",
        "Global Terrorism Database (START)",
        "https://www.start.umd.edu/gtd/search/IncidentSummary.aspx?gtdid=201610240001",
    )
    assert (quetta.published, quetta.published_precision, quetta.publication_status) == (
        None,
        DatePrecision.UNKNOWN,
        PublicationStatus.DRAFT,
    )
    assert quetta.text == parsed().record_text

    for attack in Attack.objects.all():
        assert list(attack.citations.values_list("source__slug", "locator", "field")) == [(attack.slug, "incident values", "")]
    assert Attack.objects.get(slug="gtd-201601000001").citations.get().quote == "Date: 2016 01 00\nLocation: Karachi, Sindh, Pakistan"
    assert {(a.attack.slug, c.quote) for a in Attribution.objects.all() for c in a.citations.all()} == {
        ("gtd-201610240001", "Perpetrator group: Lashkar-e-Jhangvi"),
        ("gtd-201601000001", "Perpetrator group: ISIL (claim of responsibility: yes)"),
        ("gtd-201600000002", "Perpetrator group: Made-up Front (attribution uncertain: yes)"),
    }
    created = Group.objects.get(name="Made-up Front").citations.get()
    assert (created.source.slug, created.field, created.locator) == ("gtd-201600000002", "name", "perpetrator")
    assert created.quote == "Perpetrator group: Made-up Front (attribution uncertain: yes)"
    assert set(Citation.objects.values_list("publication_status", flat=True)) == {PublicationStatus.DRAFT}
    for record in [*Source.objects.all(), *Citation.objects.select_related("source")]:
        record.full_clean()  # the quotes are in the text, the URL is canonical, the fingerprint is the text's


@pytest.mark.django_db
def test_an_import_run_is_one_change_set_a_reviewer_publishes_whole(tmp_path, importer, lej, islamic_state, client):
    for group in (lej, islamic_state):
        CitationFactory(group=group)  # public groups cite their sources
    output = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", sample_rows()), create_unknown_groups=True)
    change_set = ChangeSet.objects.get(kind=ChangeSetKind.IMPORT)
    assert change_set.title == "GTD import of gtd.csv" and change_set.created_by == importer
    assert f"Awaiting review: {change_set.changes.count():,} records in change set {change_set}" in output
    queued = {(change.content_type.model_class(), change.object_id) for change in change_set.changes.all()}
    imported = {(model, pk) for model in (Attack, Attribution) for pk in model.objects.values_list("pk", flat=True)}
    imported |= {(Source, pk) for pk in Source.objects.filter(slug__startswith="gtd-").values_list("pk", flat=True)}
    imported |= {(Citation, pk) for pk in Citation.objects.filter(source__slug__startswith="gtd-").values_list("pk", flat=True)}
    imported |= {(Group, Group.objects.get(name="Made-up Front").pk)}
    assert queued == imported
    assert not Attack.objects.public().exists()

    change_set_approve(change_set=change_set, user=user_in_role("Reviewer"), reason="Checked against the GTD release")
    assert Attack.objects.public().count() == Attack.objects.count()
    assert not uncited_public_facts(Attack, Q()).exists() and not uncited_public_facts(Attribution, Q()).exists()
    assert "gtd-201610240001" in client.get("/groups/lashkar-e-jhangvi/").content.decode()
    # A second run of the same file changes nothing and leaves no empty change set behind.
    import_gtd(write_gtd_csv(tmp_path / "gtd.csv", sample_rows()), create_unknown_groups=True)
    assert ChangeSet.objects.count() == 1


@pytest.mark.django_db
def test_the_report_holds_the_ids_of_every_record_the_run_created(tmp_path, importer, lej, islamic_state):
    rows = [
        gtd.parse_row(row, line)
        for line, row in enumerate(sample_rows(), start=2)
        if row["eventid"] not in ("201600000003", "201600000004")
    ]
    import_gtd(write_gtd_csv(tmp_path / "before.csv", [sample_rows()[0]]))  # an attack, its attribution, source and citations
    before = {model: set(model.objects.values_list("id", flat=True)) for model in (Attack, Attribution, Group, Source, Citation)}
    rows[0] = parsed(city="Mastung")  # changed: updates, creates nothing
    rows.append(parsed(eventid="201600000006", gname="Other Made-up Front", gname2="Made-up Front", claim2="1"))
    matcher, report = gtd.GroupMatcher.from_database(), gtd.GtdImportReport()
    for batch in (rows[:2], rows[2:4], rows[4:]):
        report.merge(
            gtd.attacks_bulk_import(attacks=batch, matcher=matcher, user=importer, reason="GTD 2016 release", create_unknown_groups=True)
        )

    created = {model: set(model.objects.values_list("id", flat=True)) - before[model] for model in before}
    assert {label: sorted(ids) for label, ids in report.created_ids.items()} == {
        model._meta.label: sorted(ids) for model, ids in created.items()
    }
    assert [len(report.created_ids[label]) for label in ("groups.Attack", "groups.Group", "sources.Source")] == [4, 2, 4]
    assert all(len(ids) == len(set(ids)) for ids in report.created_ids.values())
    assert report.updated == 1 and report.citations_updated == 1  # the changed attack's citation quotes this release


@pytest.mark.django_db
def test_a_changed_record_keeps_every_quote_its_citations_make(tmp_path, importer, lej, islamic_state):
    first, other = gtd_row(), gtd_row(eventid="201610240002")
    import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [first, other]))
    source = Source.objects.get(slug="gtd-201610240001")
    attack_citation = Citation.objects.get(attack__slug="gtd-201610240001")
    CitationFactory(source=source, group=None, attack=attack_citation.attack, quote="Assailants attacked the Balochistan Police College.")
    before = {model: model.history.count() for model in (Source, Citation)}

    changed = gtd_row(city="Mastung", gname="ISIL", claimed="1", summary="10/24/2016: Gunmen attacked the police college in Quetta.")
    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [changed, other]), reason="GTD correction")
    assert "Attacks: 0 created, 1 updated, 1 unchanged." in out
    assert "Attributions: 1 created, 0 changed, 1 removed." in out  # the row names ISIL now, not LeJ
    assert "sources): 0 created, 1 updated; citations: 1 created, 1 updated." in out

    source.refresh_from_db()
    assert source.text == (
        f"{gtd.parse_row(changed, 2).record_text}\n\n"
        "Still cited from an earlier release of this GTD record:\n"
        "Assailants attacked the Balochistan Police College."  # the editor's quote; LeJ's went with its attribution
    )
    attack_citation.refresh_from_db()
    assert attack_citation.quote == "Date: 2016 10 24\nLocation: Mastung, Balochistan, Pakistan"  # the import's own, of this release
    claimed = Attribution.objects.get(attack__slug="gtd-201610240001", kind=AttributionKind.CLAIMED)
    assert claimed.citations.get().quote == "Perpetrator group: ISIL (claim of responsibility: yes)"
    for citation in source.citations.select_related("source"):
        citation.full_clean()
    source.full_clean()
    # Citations: ISIL's new one, the attack's changed one, LeJ's deleted with its attribution.
    assert (Source.history.count(), Citation.history.count()) == (before[Source] + 1, before[Citation] + 3)
    assert (source.history.latest("history_id").history_type, attack_citation.history.latest("history_id").history_type) == ("~", "~")

    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [changed, other]))  # the same again
    assert "sources): 0 created, 0 updated; citations: 0 created, 0 updated." in out
    assert "Attributions: 0 created, 0 changed, 0 removed." in out
    assert (Source.history.count(), Citation.history.count()) == (before[Source] + 1, before[Citation] + 3)

    back = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [first, other]))  # the first release again
    assert "Attributions: 1 created, 0 changed, 1 removed." in back
    assert "sources): 0 created, 1 updated; citations: 1 created, 1 updated." in back
    source.refresh_from_db()
    assert source.text == gtd.parse_row(first, 2).record_text  # it holds the editor's quote; ISIL's went with its attribution
    for citation in source.citations.select_related("source"):
        citation.full_clean()


@pytest.mark.django_db
def test_a_reimport_cites_attacks_imported_before_they_had_a_source(tmp_path, importer, lej):
    path = write_gtd_csv(tmp_path / "gtd.csv", [gtd_row()])
    import_gtd(path)
    Citation.objects.all().delete()  # as an import before citations left it (no history needed for the setup)
    Source.objects.all().delete()

    out = import_gtd(path)
    assert "0 created, 0 updated, 1 unchanged" in out and "sources): 1 created, 0 updated; citations: 2 created" in out
    attack = Attack.objects.get()
    assert attack.citations.get().source.slug == "gtd-201610240001"
    assert Attribution.objects.get().citations.count() == 1


@pytest.mark.django_db
def test_a_citation_an_editor_took_away_is_not_put_back_while_the_record_stays_the_same(tmp_path, importer, lej, islamic_state):
    path = write_gtd_csv(tmp_path / "gtd.csv", [gtd_row()])
    import_gtd(path)
    attack = Attack.objects.get()
    record_delete(instance=attack.citations.get(), user=importer, reason="Cited from the article instead")
    assert "citations: 0 created, 0 updated." in import_gtd(path)
    assert not attack.citations.exists()

    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row(gname2="ISIL")]))  # a new attribution: it is cited
    assert "sources): 0 created, 1 updated; citations: 2 created, 0 updated." in out  # and the attack again: its record changed
    assert Attribution.objects.get(group=islamic_state).citations.get().quote == "Perpetrator group: ISIL"


@pytest.mark.django_db
def test_a_source_already_recorded_for_the_incident_page_is_the_one_cited(tmp_path, importer, lej):
    page = SourceFactory(slug="gtd-page", url="https://www.start.umd.edu/gtd/search/IncidentSummary.aspx?gtdid=201610240001")
    editors = CitationFactory(source=page, group=lej, quote=page.text.split(".")[0])
    import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row()]))
    assert list(Source.objects.values_list("slug", flat=True)) == ["gtd-page"]
    page.refresh_from_db()
    assert Attack.objects.get().citations.get().source == page and editors.quote in page.text
    for citation in page.citations.all():
        citation.full_clean()


@pytest.mark.django_db
def test_imported_records_and_their_history_are_those_the_ordinary_services_write(tmp_path, importer, lej):
    import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row()]))
    imported = Attack.objects.get(slug="gtd-201610240001")
    saved, _ = services.attack_upsert(slug="saved", values=parsed().values, user=importer, reason="GTD 2016 release")
    services.attribution_upsert(
        attack=saved, group=lej, kind="attributed", attributed_by="GTD", values={}, user=importer, reason="GTD 2016 release"
    )

    def tracked(record, *also_left_out):
        left_out = {"id", "slug", "attack_id", "history_id", "history_date", "created_at", "updated_at", *also_left_out}
        return {field.attname: getattr(record, field.attname) for field in record._meta.concrete_fields if field.attname not in left_out}

    assert tracked(imported) == tracked(saved)
    row = imported.history.get()
    assert tracked(row) == tracked(saved.history.get())
    assert row.history_date == row.created_at == row.updated_at == imported.created_at == imported.updated_at
    attribution = Attribution.objects.get(attack=imported)
    assert tracked(attribution.history.get()) == tracked(Attribution.objects.get(attack=saved).history.get())
    assert attribution.history.get().history_date == row.history_date


@pytest.mark.django_db
def test_values_the_model_refuses_are_row_errors_in_its_words(tmp_path, importer, lej):
    rows = [gtd_row(eventid="1" * 197), gtd_row()]  # "gtd-" and 197 digits: too long for a slug
    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", rows))
    assert "line 2 (eventid 111" in out and "slug: Ensure this value has at most 200 characters (it has 201)." in out
    assert list(Attack.objects.values_list("slug", flat=True)) == ["gtd-201610240001"]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"latitude": "-90", "longitude": "180.0000004", "nkill": str(gtd.MAX_COUNT), "nwound": "0", "suicide": ""},
        {"city": "x" * gtd.PLACE_MAX_LENGTH, "provstate": "y" * gtd.PLACE_MAX_LENGTH, "country_txt": "Democratic Republic of the Congo"},
        {"imonth": "0", "iday": "0", "attacktype1_txt": "Unknown", "targtype1_txt": "Unknown", "weaptype1_txt": "Unknown", "summary": ""},
    ],
)
def test_what_a_row_maps_to_passes_the_models_field_validation(changes):
    # The import checks only lengths against the model, and trusts the mapping for the rest (types, ranges, choices).
    attack = parsed(**changes)
    Attack(slug=attack.slug, **attack.values).clean_fields()


@pytest.mark.django_db
def test_a_nul_character_anywhere_in_a_row_makes_it_a_row_error(tmp_path, importer, lej):
    rows = [gtd_row(scite2="Dawn\x00"), gtd_row(eventid="201610240002", summary="Police\x00College"), gtd_row(eventid="201610240003")]
    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", rows))
    assert "line 2 (eventid 201610240001): the row holds a NUL character" in out
    assert "line 3 (eventid 201610240002): the row holds a NUL character" in out
    assert list(Attack.objects.values_list("slug", flat=True)) == ["gtd-201610240003"]


@pytest.mark.django_db
def test_a_row_the_csv_reader_cannot_read_stops_the_import_after_the_batches_before_it(tmp_path, importer, lej):
    rows = [gtd_row(eventid=f"20161024000{n}") for n in range(1, 5)] + [gtd_row(eventid="201610240009", summary="x" * 200_000)]
    with pytest.raises(CommandError, match="Line 6 cannot be read as CSV") as error:
        import_gtd(write_gtd_csv(tmp_path / "gtd.csv", rows), batch_size=2)
    assert "4 attacks created" in str(error.value)
    assert Attack.objects.count() == 4


@pytest.mark.django_db
def test_a_second_run_of_the_same_file_changes_nothing_and_writes_no_history(tmp_path, importer, lej, islamic_state):
    path = write_gtd_csv(tmp_path / "gtd.csv", sample_rows())
    import_gtd(path)
    before = history_rows()
    updated_at = dict(Attack.objects.values_list("slug", "updated_at"))

    out = import_gtd(path)
    assert "Attacks: 0 created, 0 updated, 4 unchanged." in out and "Attributions: 0 created, 0 changed, 0 removed." in out
    assert history_rows() == before
    assert dict(Attack.objects.values_list("slug", "updated_at")) == updated_at


@pytest.mark.django_db
def test_a_changed_row_updates_its_attack_with_history(tmp_path, importer, lej):
    import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row(), gtd_row(eventid="201610240002")]))
    attack = Attack.objects.get(slug="gtd-201610240001")
    attack_id, created_at = attack.pk, attack.created_at

    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row(nkill="62"), gtd_row(eventid="201610240002")]), reason="GTD correction")
    assert "Attacks: 0 created, 1 updated, 1 unchanged." in out
    attack = Attack.objects.get(slug="gtd-201610240001")
    assert (attack.pk, attack.killed, attack.created_at) == (attack_id, 62, created_at)
    assert attack.updated_at > created_at
    latest = attack.history.order_by("-history_id").first()
    assert (latest.history_type, latest.history_user, latest.history_change_reason, latest.killed) == ("~", importer, "GTD correction", 62)
    assert Attack.objects.get(slug="gtd-201610240002").history.count() == 1


@pytest.mark.django_db
def test_a_reimport_leaves_editors_fields_alone(tmp_path, importer, lej):
    path = write_gtd_csv(tmp_path / "gtd.csv", [gtd_row()])
    import_gtd(path)
    attack = Attack.objects.get(slug="gtd-201610240001")
    attack.publication_status, attack.district = PublicationStatus.PUBLISHED, "Quetta District"
    citation = attack.citations.get()
    with transaction.atomic(), publication_checks():  # the attack is public with its citation and the GTD record
        for record in (citation.source, citation, attack):
            record.publication_status = PublicationStatus.PUBLISHED
            record_save(instance=record, user=importer, reason="Reviewed against the article")
    assert "0 updated, 1 unchanged" in import_gtd(path)
    attack = Attack.objects.get(slug="gtd-201610240001")
    assert (attack.publication_status, attack.district) == (PublicationStatus.PUBLISHED, "Quetta District")


@pytest.mark.django_db
def test_dry_run_reports_what_would_change_and_writes_nothing(tmp_path, importer, lej, islamic_state):
    path = write_gtd_csv(tmp_path / "gtd.csv", sample_rows())
    out = import_gtd(path, dry_run=True, create_unknown_groups=True)
    assert "Dry run: nothing was written." in out
    assert "Attacks: 4 would be created, 0 would be updated, 0 unchanged." in out
    assert "Attributions: 3 would be created, 0 would be changed, 0 would be removed." in out
    assert "sources): 4 would be created, 0 would be updated; citations: 8 would be created, 0 would be updated." in out
    assert "Draft groups would be created (1), to review: “Made-up Front”." in out
    assert "Row errors: 2" in out
    assert not Attack.objects.exists() and not Attribution.objects.exists() and not Source.objects.exists()
    assert history_rows() == 2  # the two groups' factories
    assert not Group.objects.filter(name="Made-up Front").exists()

    import_gtd(path)
    changed = write_gtd_csv(tmp_path / "changed.csv", [gtd_row(nkill="62"), *sample_rows()[1:]])
    before = history_rows()
    out = import_gtd(changed, dry_run=True)
    assert "Attacks: 0 would be created, 1 would be updated, 3 unchanged." in out
    assert history_rows() == before and Attack.objects.get(slug="gtd-201610240001").killed == 61


@pytest.mark.django_db
def test_each_batch_commits_on_its_own_and_a_second_run_resumes(tmp_path, importer, lej, monkeypatch):
    path = write_gtd_csv(tmp_path / "gtd.csv", [gtd_row(eventid=f"20161024000{n}") for n in range(1, 6)])
    real_bulk_create = write.records_bulk_create
    calls = []

    def failing_in_the_second_batch(*, model, **kwargs):
        calls.append(model)
        if model is Attribution and calls.count(Attribution) == 2:  # the second batch's attacks are already inserted
            raise DatabaseError("connection lost")
        return real_bulk_create(model=model, **kwargs)

    monkeypatch.setattr(write, "records_bulk_create", failing_in_the_second_batch)
    with pytest.raises(CommandError, match="batch from line 4 to line 5 failed and was rolled back") as error:
        import_gtd(path, batch_size=2)
    assert "2 attacks created" in str(error.value) and "Run the import again" in str(error.value)
    assert sorted(Attack.objects.values_list("slug", flat=True)) == ["gtd-201610240001", "gtd-201610240002"]
    assert Attribution.objects.count() == 2 and Attack.history.count() == 2

    monkeypatch.undo()
    out = import_gtd(path, batch_size=2)
    assert "Attacks: 3 created, 0 updated, 2 unchanged." in out
    assert Attack.objects.count() == 5 and Attribution.objects.count() == 5 and Attack.history.count() == 5


@pytest.mark.django_db
def test_a_latin1_file_needs_its_encoding_named(tmp_path, importer, lej):
    rows = [gtd_row(), gtd_row(eventid="201610240002", city="Bogotá", country_txt="Colombia")]
    path = write_gtd_csv(tmp_path / "gtd.csv", rows, "latin-1")
    with pytest.raises(CommandError, match=r"Line 3 is not valid utf-8 \(byte 0xe1.*try --encoding latin-1"):
        import_gtd(path)
    assert not Attack.objects.exists()  # found before anything was written

    import_gtd(path, encoding="latin-1")
    assert Attack.objects.get(slug="gtd-201610240002").locality == "Bogotá"


@pytest.mark.django_db
def test_a_utf8_file_with_a_byte_order_mark_reads(tmp_path, importer, lej):
    import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row(city="Bogotá", country_txt="Colombia")], "utf-8-sig"))
    assert Attack.objects.get().locality == "Bogotá"


@pytest.mark.django_db
def test_more_than_fifty_row_errors_are_counted_not_all_listed(tmp_path, importer):
    rows = [gtd_row(eventid=str(201600000000 + n), country_txt="Narnia") for n in range(60)]
    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", rows))
    assert "Row errors: 60" in out and "line 51 (eventid" in out and "line 52 (eventid" not in out and "… and 10 more" in out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"user": "nobody"}, "No user named 'nobody'"),
        ({"reason": "  "}, "--reason must say why"),
        ({"batch_size": 0}, "--batch-size must be at least 1"),
        ({"encoding": "klingon"}, "Unknown encoding 'klingon'"),
    ],
)
def test_the_command_refuses_bad_options(tmp_path, importer, options, message):
    with pytest.raises(CommandError, match=message):
        import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row()]), **options)


@pytest.mark.django_db
def test_a_file_without_gtd_columns_is_refused(tmp_path, importer):
    path = tmp_path / "other.csv"
    path.write_text("id,date,place\n1,2016-10-24,Quetta\n", encoding="utf-8")
    with pytest.raises(CommandError, match="lacks the GTD column"):
        import_gtd(path)
    with pytest.raises(CommandError, match="No file at"):
        import_gtd(tmp_path / "missing.csv")


def test_an_import_makes_cached_public_pages_stale(tmp_path, importer):
    from kb.cache import data_version

    before = data_version()
    import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row()]))
    assert data_version() > before
