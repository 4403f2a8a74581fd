"""The cross-walk from GTD to the knowledge base: the table of GTD perpetrator names, generic labels, approximate dates,
end dates, competing claims, and re-imports that reconcile what a row no longer says."""

import datetime

import pytest
from django.db import transaction
from django.test import override_settings

from groups import gtd
from groups.gtd import write as gtd_write
from groups.models import Attack, Attribution, AttributionKind, Group, GtdPerpetratorName
from kb.audit import UnauditedWrite
from kb.dates import DatePrecision
from kb.models import ChangeSet, PendingAction, PendingChange, PublicationStatus
from kb.services import change_set_approve, publication_checks, record_save
from sampledata.demo_data import load_demo_data
from sources.models import Citation
from tests.factories import AliasFactory, CitationFactory, GroupFactory, SourceFactory, user_in_role
from tests.groups.gtd.rows import gtd_row, import_gtd, parsed, write_gtd_csv


@pytest.fixture
def importer(db):
    return user_in_role("Reviewer", username="gtd-importer")


@pytest.fixture
def lej(db):
    return GroupFactory(name="Lashkar-e-Jhangvi", slug="lashkar-e-jhangvi")


def perpetrator_name(name, *, group=None, generic=False, user, reason="GTD name"):
    return record_save(instance=GtdPerpetratorName(name=name, group=group, generic=generic), user=user, reason=reason)


# --- The demo groups under their GTD names --------------------------------------------------------------------------

REAL_GTD_NAMES = {
    "Islamic State of Iraq and the Levant (ISIL)": "islamic-state",
    "Khorasan Chapter of the Islamic State": "islamic-state-khorasan-province",
    "Jaish-e-Mohammad (JeM)": "jaish-e-muhammad",
    "Tehrik-i-Taliban Pakistan (TTP)": "tehrik-e-taliban-pakistan",
    "Al-Qaida": "al-qaeda",
    "Al-Qaida in the Indian Subcontinent": "al-qaeda-in-the-indian-subcontinent",
    "Taliban": "afghan-taliban",
    "Lashkar-e-Jhangvi": "lashkar-e-jhangvi",
}


@pytest.mark.django_db
def test_a_file_with_the_real_gtd_names_of_the_demo_groups_adds_no_group(tmp_path):
    load_demo_data()
    importer = user_in_role("Reviewer", username="gtd-importer")
    groups_before = set(Group.objects.values_list("slug", flat=True))
    rows = [gtd_row(eventid=f"20161024{n:04}", gname=name, claimed="1") for n, name in enumerate(REAL_GTD_NAMES, start=1)]
    rows.append(gtd_row(eventid="201610249999", gname="Gunmen", gname2="Left-Wing Militants", gname3="Strikers"))

    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", rows), create_unknown_groups=True)

    assert set(Group.objects.values_list("slug", flat=True)) == groups_before
    assert "Draft groups" not in out and "Unknown groups" not in out and "Ambiguous" not in out
    attributed = dict(Attribution.objects.filter(attack__slug__startswith="gtd-").values_list("attack__slug", "group__slug"))
    assert attributed == {f"gtd-20161024{n:04}": slug for n, slug in enumerate(REAL_GTD_NAMES.values(), start=1)}
    assert Group.objects.filter(created_at__gt=ChangeSet.objects.get().created_at).count() == 0
    assert importer.pk  # the run's account


# --- The table of GTD perpetrator names ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_table_of_gtd_names_maps_a_name_to_its_group(tmp_path, importer, lej):
    jem = GroupFactory(name="Jaish-e-Muhammad", slug="jaish-e-muhammad")
    perpetrator_name("Jaish-e-Mohammed", group=jem, user=importer)  # another GTD spelling than the group's gtd_name
    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row(gname="Jaish-e-Mohammed")]), create_unknown_groups=True)
    assert "Draft groups" not in out
    assert Attribution.objects.get().group == jem


def test_the_matcher_tries_the_gtd_names_first_and_knows_generic_labels():
    matcher = gtd.GroupMatcher(
        gtd_names=[(1, "Khorasan Chapter of the Islamic State"), (2, "Separatists")],
        names=[(1, "Islamic State Khorasan Province")],
        aliases=[],
        generic_names=["Gunmen", "Left-Wing Militants", "Separatists"],
    )
    assert matcher.match("Khorasan Chapter of the Islamic State") == {1}
    assert matcher.is_generic("gunmen") and matcher.is_generic("Left-wing militants")
    assert not matcher.is_generic("Separatists")  # a GTD name the table gives a group is not generic
    assert "Strikers" in gtd.shipped_generic_labels() and "Muslim extremists" in gtd.shipped_generic_labels()


@pytest.mark.django_db
def test_gtd_names_keep_who_when_and_why_and_refuse_writes_around_the_services(importer, lej):
    name = perpetrator_name("Lashkar-e-Jhangvi (LeJ)", group=lej, user=importer, reason="GTD writes it so since 2015")
    row = name.history.get()
    assert (row.history_type, row.history_user, row.history_change_reason) == ("+", importer, "GTD writes it so since 2015")
    with override_settings(KB_AUDIT_WRITES=True), pytest.raises(UnauditedWrite):
        GtdPerpetratorName(name="Gunmen", generic=True).save()
    with pytest.raises(Exception, match="either means a group or is a generic label"):
        perpetrator_name("Both Front", group=lej, generic=True, user=importer)
    with pytest.raises(Exception, match="already recorded"):
        perpetrator_name("lashkar e jhangvi (LeJ)", group=lej, user=importer)


@pytest.mark.django_db
def test_editors_keep_the_table_in_the_admin_with_a_reason(editor_client, editor, lej):
    url = "/admin/groups/gtdperpetratorname/add/"
    assert editor_client.get(url).status_code == 200
    data = {"name": "Lashkar-e-Jhangvi (LeJ)", "group": lej.pk, "generic": "", "note": "", "change_reason": "GTD 2021 spelling"}
    assert editor_client.post(url, data).status_code == 302
    name = GtdPerpetratorName.objects.get()
    assert (name.group, name.history.get().history_user, name.history.get().history_change_reason) == (lej, editor, "GTD 2021 spelling")
    delete = f"/admin/groups/gtdperpetratorname/{name.pk}/delete/"
    assert editor_client.post(delete, {"post": "yes", "change_reason": "Wrong group"}).status_code == 302
    assert not GtdPerpetratorName.objects.exists()
    assert GtdPerpetratorName.history.latest("history_id").history_change_reason == "Wrong group"
    restore = f"/admin/groups/gtdperpetratorname/deleted/{name.pk}/"
    assert editor_client.post(restore, {"change_reason": "It was right"}).status_code == 302
    assert GtdPerpetratorName.objects.get().group == lej


# --- Generic perpetrators -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_generic_labels_never_become_groups_and_the_attack_keeps_them(tmp_path, importer, lej, client):
    rows = [
        gtd_row(eventid="201610240001", gname="Gunmen"),
        gtd_row(eventid="201610240002", gname="Left-Wing Militants", gname2="Lashkar-e-Jhangvi"),
        gtd_row(eventid="201610240003", gname="Strikers", gname2="Arabs"),
        gtd_row(eventid="201610240004", gname="Muslim extremists"),
    ]
    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", rows), create_unknown_groups=True)

    assert list(Group.objects.values_list("slug", flat=True)) == ["lashkar-e-jhangvi"]
    assert "Generic perpetrators: 4 rows name one" in out and "“Gunmen” 1" in out and "Draft groups" not in out
    described = dict(Attack.objects.values_list("slug", "perpetrator_description"))
    assert described == {
        "gtd-201610240001": "Gunmen",
        "gtd-201610240002": "Left-Wing Militants",
        "gtd-201610240003": "Strikers; Arabs",
        "gtd-201610240004": "Muslim extremists",
    }
    assert list(Attribution.objects.values_list("attack__slug", "group__slug")) == [("gtd-201610240002", "lashkar-e-jhangvi")]
    # The shipped labels are in the table, marked generic, with who and why.
    gunmen = GtdPerpetratorName.objects.get(name="Gunmen")
    assert gunmen.generic and gunmen.group is None
    assert gunmen.history.get().history_user == importer and "GTD 2016 release" in gunmen.history.get().history_change_reason

    attack = Attack.objects.get(slug="gtd-201610240003")
    with transaction.atomic(), publication_checks():
        for record in (attack.citations.get().source, attack.citations.get(), attack):
            record.publication_status = PublicationStatus.PUBLISHED
            record_save(instance=record, user=importer, reason="Reviewed")
    page = client.get(attack.get_absolute_url()).content.decode()
    assert "Strikers; Arabs" in page
    assert client.get(f"/api/v1/attacks/{attack.slug}/").json()["perpetrator_description"] == "Strikers; Arabs"


@pytest.mark.django_db
def test_a_label_an_editor_gave_a_group_is_no_longer_generic(tmp_path, importer, lej):
    perpetrator_name("Tribesmen", group=lej, user=importer, reason="In this data set, LeJ")
    import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row(gname="Tribesmen")]))
    assert Attribution.objects.get().group == lej and Attack.objects.get().perpetrator_description == ""


# --- Dates ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "first", "last"),
    [
        ("May 27 – June 5, 1970", (1970, 5, 27), (1970, 6, 5)),
        ("May 27-June 5, 1970", (1970, 5, 27), (1970, 6, 5)),
        ("January 19-20, 1970", (1970, 1, 19), (1970, 1, 20)),
        ("May 27, 1970 - June 5, 1970", (1970, 5, 27), (1970, 6, 5)),
        ("between 3 and 5 May 2003", (2003, 5, 3), (2003, 5, 5)),
        ("March 1970", (1970, 3, 1), (1970, 3, 31)),
        ("mid-March 1970", (1970, 3, 1), (1970, 3, 31)),
        ("1970", (1970, 1, 1), (1970, 12, 31)),
        ("December 30, 1970 - January 2, 1971", (1970, 12, 30), (1971, 1, 2)),
        ("1970-01-05", (1970, 1, 5), (1970, 1, 5)),
        ("1/5/1970", (1970, 1, 5), (1970, 1, 5)),
    ],
)
def test_gtds_approximate_dates_are_read_as_ranges_of_days(words, first, last):
    assert gtd.approximate_range(words) == (datetime.date(*first), datetime.date(*last))


@pytest.mark.parametrize("words", ["before May 1970", "unknown", "May 32, 1970", "June 5 - May 27, 1970", "sometime"])
def test_words_that_are_no_range_of_days_are_not_read(words):
    assert gtd.approximate_range(words) is None


def dated(year, month, day, words):
    return {"iyear": year, "imonth": month, "iday": day, "approxdate": words}


@pytest.mark.parametrize(
    ("changes", "date", "precision", "earliest", "latest"),
    [
        # The row of the issue: GTD's estimate (29 May) is not stored as a day; the range is.
        (dated("1970", "5", "29", "May 27 – June 5, 1970"), (1970, 1, 1), "year", (1970, 5, 27), (1970, 6, 5)),
        (dated("1970", "1", "19", "January 19-20, 1970"), (1970, 1, 1), "month", (1970, 1, 19), (1970, 1, 20)),
        (dated("1970", "3", "15", "March 1970"), (1970, 3, 1), "month", None, None),
        (dated("1970", "3", "15", "March 15, 1970"), (1970, 3, 15), "day", None, None),
        (dated("1971", "1", "1", "December 30, 1970 - January 2, 1971"), (1971, 1, 1), "year", (1970, 12, 30), (1971, 1, 2)),
        # Words the import cannot read, or that do not hold GTD's own date: the month, never the estimated day.
        (dated("1970", "5", "29", "before the elections"), (1970, 5, 1), "month", None, None),
        (dated("1970", "5", "29", "June 2-5, 1970"), (1970, 5, 1), "month", None, None),
    ],
)
def test_an_approximate_date_gives_an_honest_precision_or_range(changes, date, precision, earliest, latest):
    values = parsed(**changes).values
    assert (values["date"], values["date_precision"]) == (datetime.date(*date), precision)
    assert (values["date_earliest"], values["date_latest"]) == (
        datetime.date(*earliest) if earliest else None,
        datetime.date(*latest) if latest else None,
    )
    assert values["end_date"] is None


@pytest.mark.django_db
def test_a_date_range_is_stored_shown_and_published_and_unread_words_are_reported(tmp_path, importer, lej, client):
    rows = [
        gtd_row(eventid="197005290001", iyear="1970", imonth="5", iday="29", approxdate="May 27 – June 5, 1970"),
        gtd_row(eventid="197005290002", iyear="1970", imonth="5", iday="29", approxdate="around the holidays"),
    ]
    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", rows))
    assert "Approximate dates not read as days: 1 rows (their date is kept to GTD's month; line 3)." in out

    attack = Attack.objects.get(slug="gtd-197005290001")
    assert (attack.date, attack.date_precision) == (datetime.date(1970, 1, 1), DatePrecision.YEAR)
    assert (attack.date_earliest, attack.date_latest) == (datetime.date(1970, 5, 27), datetime.date(1970, 6, 5))
    assert attack.date_range_display == "between 27 May and 5 Jun 1970"
    assert "(approximate: May 27 – June 5, 1970)" in attack.citations.get().quote  # the words stay, cited
    attack.full_clean()

    with transaction.atomic(), publication_checks():
        for record in (attack.citations.get().source, attack.citations.get(), attack):
            record.publication_status = PublicationStatus.PUBLISHED
            record_save(instance=record, user=importer, reason="Reviewed")
    assert "between 27 May and 5 Jun 1970" in client.get(attack.get_absolute_url()).content.decode()
    body = client.get(f"/api/v1/attacks/{attack.slug}/").json()
    assert (body["date_earliest"], body["date_latest"]) == ("1970-05-27", "1970-06-05")
    csv_text = b"".join(client.get("/api/v1/attacks/?format=csv").streaming_content).decode()
    assert "Earliest possible date" in csv_text and "1970-05-27" in csv_text and "1970-06-05" in csv_text


@pytest.mark.django_db
def test_an_extended_incident_gets_its_end_date_and_an_editors_end_date_stays(tmp_path, importer, lej):
    rows = [
        gtd_row(eventid="201610240001", extended="1", resolution="2016-10-27"),
        gtd_row(eventid="201610240002", extended="1", resolution="10/26/2016", iday="0"),  # the start is no day: no end date
        gtd_row(eventid="201610240003"),
    ]
    path = write_gtd_csv(tmp_path / "gtd.csv", rows)
    import_gtd(path)
    ends = dict(Attack.objects.values_list("slug", "end_date"))
    assert ends == {"gtd-201610240001": datetime.date(2016, 10, 27), "gtd-201610240002": None, "gtd-201610240003": None}
    extended = Attack.objects.get(slug="gtd-201610240001")
    assert extended.citations.get().quote == (
        "Date: 2016 10 24\nExtended incident: yes (resolved: 2016-10-27)\nLocation: Quetta, Balochistan, Pakistan"
    )

    third = Attack.objects.get(slug="gtd-201610240003")
    third.end_date = datetime.date(2016, 10, 25)
    record_save(instance=third, user=importer, reason="The siege ended the next day (Dawn)")
    assert "0 updated, 3 unchanged" in import_gtd(path)
    third.refresh_from_db()
    assert third.end_date == datetime.date(2016, 10, 25)


# --- Competing claims -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_competing_claims_stay_claims_and_say_they_compete(tmp_path, importer, lej):
    islamic_state = GroupFactory(name="Islamic State", slug="islamic-state")
    row = gtd_row(gname="Lashkar-e-Jhangvi", claimed="1", gname2="Islamic State", claim2="1", compclaim="1")
    import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [row]))
    claims = {a.group: a for a in Attribution.objects.all()}
    assert {a.kind for a in claims.values()} == {AttributionKind.CLAIMED}
    assert claims[lej].description == "One of competing claims of responsibility (GTD); also claimed by “Islamic State”."
    assert claims[islamic_state].description == "One of competing claims of responsibility (GTD); also claimed by “Lashkar-e-Jhangvi”."
    assert claims[lej].citations.get().quote == "Perpetrator group: Lashkar-e-Jhangvi (claim of responsibility: yes; competing claims: yes)"
    for citation in Citation.objects.select_related("source"):
        citation.full_clean()


# --- Re-imports reconcile -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reimport_removes_the_attribution_the_row_no_longer_supports_with_history(tmp_path, importer, lej):
    islamic_state = GroupFactory(name="Islamic State", slug="islamic-state")
    import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row(gname="Lashkar-e-Jhangvi")]))
    old = Attribution.objects.get()

    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row(gname="Islamic State")]), reason="GTD correction")
    assert "Attacks: 0 created, 1 updated, 0 unchanged." not in out  # the attack's own values did not change
    assert "Attributions: 1 created, 0 changed, 1 removed." in out
    assert list(Attribution.objects.values_list("group", flat=True)) == [islamic_state.pk]
    deleted = Attribution.history.filter(id=old.pk).latest("history_id")
    assert (deleted.history_type, deleted.history_user, deleted.history_change_reason) == ("-", importer, "GTD correction")
    assert not Citation.objects.filter(attribution_id=old.pk).exists()


@pytest.mark.django_db
def test_a_reimport_changes_the_kind_of_an_attribution_in_place(tmp_path, importer, lej):
    import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row(claimed="0")]))
    before = Attribution.objects.get()
    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row(claimed="1")]))
    assert "Attributions: 0 created, 1 changed, 0 removed." in out
    after = Attribution.objects.get()
    assert (after.pk, after.kind, after.attributed_by) == (before.pk, AttributionKind.CLAIMED, "")
    assert after.history.latest("history_id").history_type == "~"
    assert after.citations.get().quote == "Perpetrator group: Lashkar-e-Jhangvi (claim of responsibility: yes)"


@pytest.mark.django_db
def test_a_published_attribution_an_editors_import_no_longer_supports_awaits_review(tmp_path, importer, lej):
    islamic_state = GroupFactory(name="Islamic State", slug="islamic-state")
    CitationFactory(group=lej)  # a public group cites its sources
    import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row()]))
    change_set_approve(change_set=ChangeSet.objects.get(), user=user_in_role("Reviewer"), reason="Checked against the GTD release")
    attribution = Attribution.objects.public().get()

    editor = user_in_role("Editor", username="gtd-editor")
    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row(gname="Islamic State")]), user="gtd-editor")
    assert "1 removed (1 published: the removal awaits review)." in out
    assert Attribution.objects.filter(pk=attribution.pk).exists()  # readers still see it until a Reviewer decides
    pending = PendingChange.objects.get(object_id=attribution.pk, action=PendingAction.DELETE)
    assert pending.change_set.title == "GTD import of gtd.csv" and pending.created_by == editor
    assert Attribution.objects.filter(group=islamic_state).exists()


@pytest.mark.django_db
def test_an_attribution_an_editor_also_cites_elsewhere_stays(tmp_path, importer, lej):
    GroupFactory(name="Islamic State", slug="islamic-state")
    import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row()]))
    attribution = Attribution.objects.get()
    article = SourceFactory(slug="dawn-article")
    CitationFactory(source=article, group=None, attribution=attribution, quote=article.text.split(".")[0])
    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row(gname="Islamic State")]))
    assert "Attributions: 1 created, 0 changed, 0 removed." in out
    assert Attribution.objects.filter(pk=attribution.pk).exists()


@pytest.mark.django_db
def test_a_reimport_whose_competing_claims_end_changes_the_notes_of_the_imports_own_attributions(tmp_path, importer, lej):
    islamic_state = GroupFactory(name="Islamic State", slug="islamic-state")
    row = {"gname": "Lashkar-e-Jhangvi", "claimed": "1", "gname2": "Islamic State", "claim2": "1"}
    import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row(**row, compclaim="1")]))
    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", [gtd_row(**row, compclaim="0")]), reason="GTD correction")
    assert "Attributions: 0 created, 2 changed, 0 removed." in out
    notes = dict(Attribution.objects.values_list("group", "description"))
    assert notes == {lej.pk: "", islamic_state.pk: ""}


@pytest.mark.django_db
def test_an_unchanged_reimport_asks_no_attributions_whose_they_are(tmp_path, importer, lej, monkeypatch):
    """Whether an attribution is the import's own (its citations) is read only for those a row no longer names as
    recorded: an unchanged file reads none, and writes nothing."""
    GroupFactory(name="Islamic State", slug="islamic-state")
    asked = []
    own = gtd_write._import_only_attributions

    def import_only_attributions(attack_of, *args):
        asked.append(set(attack_of))
        return own(attack_of, *args)

    monkeypatch.setattr(gtd_write, "_import_only_attributions", import_only_attributions)
    rows = [gtd_row(eventid="201610240001"), gtd_row(eventid="201610240002", gname="Islamic State")]
    import_gtd(write_gtd_csv(tmp_path / "gtd.csv", rows))
    history = Attribution.history.count()
    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", rows))
    assert asked == [] and "Attributions: 0 created, 0 changed, 0 removed." in out
    assert Attribution.history.count() == history

    replaced = Attribution.objects.get(attack__slug="gtd-201610240002").pk
    rows[1] = gtd_row(eventid="201610240002", gname="Lashkar-e-Jhangvi")
    out = import_gtd(write_gtd_csv(tmp_path / "gtd.csv", rows))
    assert asked == [{replaced}]
    assert "Attributions: 1 created, 0 changed, 1 removed." in out


# --- Draft groups in bulk -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_draft_groups_are_written_in_bulk_with_free_slugs_and_one_group_per_spelling(tmp_path, importer, django_assert_max_num_queries):
    GroupFactory(name="Other Front", slug="made-up-front")  # the slug the first new name wants
    rows = [gtd_row(eventid=f"2016102400{n:02}", gname=f"Invented Front {n}") for n in range(40)]
    rows += [gtd_row(eventid="201610249998", gname="Made-up Front"), gtd_row(eventid="201610249999", gname="made up front")]
    path = write_gtd_csv(tmp_path / "gtd.csv", rows)
    with django_assert_max_num_queries(80):  # a few statements for 41 groups, not a few per group
        out = import_gtd(path, create_unknown_groups=True)
    assert "Draft groups created (41)" in out
    group = Group.objects.get(name="Made-up Front")
    assert group.slug == "made-up-front-2" and group.gtd_name == "Made-up Front" and group.normalized_name
    assert set(Attribution.objects.filter(attack__slug__in=["gtd-201610249998", "gtd-201610249999"]).values_list("group", flat=True)) == {
        group.pk
    }
    row = group.history.get()
    assert (row.history_type, row.history_user, row.history_change_reason) == ("+", importer, "GTD 2016 release")
    assert PendingChange.objects.filter(object_id=group.pk, action=PendingAction.PUBLISH).exists()
    group.full_clean()
    AliasFactory(group=group, name="MUF")  # an ordinary group
