"""Writing parsed GTD rows: one batch in one transaction, attacks and their attributions and the GTD records they cite,
each record with its history row (`kb.services.records_bulk_create` and `records_bulk_update`)."""

from __future__ import annotations

import operator

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from kb.cache import invalidate_models
from kb.dates import DatePrecision
from kb.history import comparable
from kb.services import array_cursor, record_delete, records_bulk_create, records_bulk_update, require_reason, require_user
from kb.services.pending import queue_bulk_publish
from sources.models import Citation, Source
from sources.text import fold_text, text_fingerprint

from ..models import Attack, Attribution, Group
from .match import GroupMatcher, PerpetratorResolver
from .parse import GTD_OUTLET, IMPORTED_FIELDS, INCIDENT_LOCATOR, PERPETRATOR_LOCATOR, GtdAttack, Perpetrator
from .report import GtdImportReport

ATTACK_FIELDS = ("slug", *IMPORTED_FIELDS)
ATTRIBUTION_FIELDS = ("attack", "group", "kind", "attributed_by", "description")
SOURCE_FIELDS = ("slug", "title", "outlet", "url", "text", "text_hash")  # as `_cite_gtd_records` gives them
CITED_TARGETS = ("attack", "attribution", "group")  # what the import cites
CITATION_FIELDS = ("source", "quote", "locator", "field", *CITED_TARGETS)
# Where a GTD record changed, words of the earlier release that a citation still quotes stay in the source's text, after this line.
EARLIER_WORDS_HEADING = "Still cited from an earlier release of this GTD record:"
# `parse.parse_row` gives values of the model's types, in its ranges and from its choices (which Django's checks
# keep within their fields' lengths); what it does not bound is the length of free text the model caps (an
# eventid too long for a slug). A row past one goes through the model's own field validation, which says why.
_FREE_TEXT = [
    (index, field.max_length)
    for index, name in enumerate(ATTACK_FIELDS)
    if (field := Attack._meta.get_field(name)).max_length and not field.choices and name != "country"
]
_free_text_values, _FREE_TEXT_LIMITS = operator.itemgetter(*(index for index, _ in _FREE_TEXT)), [limit for _, limit in _FREE_TEXT]
_imported_values = operator.itemgetter(*IMPORTED_FIELDS)


def _too_long(values: tuple) -> bool:
    return any(map(operator.gt, map(len, _free_text_values(values)), _FREE_TEXT_LIMITS))


def attacks_bulk_import(
    *,
    attacks: list[GtdAttack],
    matcher: GroupMatcher,
    user,
    reason: str,
    create_unknown_groups: bool = False,
    dry_run: bool = False,
    change_set=None,
) -> GtdImportReport:
    """Write one batch of parsed GTD rows in one transaction: new attacks, changed attacks, their attributions, and
    the GTD records they cite.

    Attacks are matched by slug (`gtd-<eventid>`). A new one is inserted, one whose GTD values differ is
    updated (only the fields GTD gives, `gtd.IMPORTED_FIELDS`), and one whose values are the same is left
    alone and gets no history. The writes are `kb.services.records_bulk_create`/`records_bulk_update`: a few
    statements for the whole batch, each record with its history row, the user, the reason and one moment for
    the batch. Groups come from `matcher`; a generic label ("Gunmen") gives no attribution but the attack's
    "perpetrators as described"; a name it does not know is reported, or with `create_unknown_groups` saved as a
    draft group (with its GTD name set, for an editor to review).

    A re-import reconciles the attributions the import made (`_reconcile_attributions`): one the row no longer
    supports is removed, one whose kind or note changed is changed, each with history; an attribution an editor
    also cites from another source, or made themselves, is left alone. Every fact the import writes cites the
    event's source (`_cite_gtd_records`). With `dry_run` nothing is written and the report says what would be. Rows
    whose values fail the model's field validation are reported, not written. What the batch creates waits for
    review in `change_set` (the import run's); changes to published records by a user who may not publish them,
    and their removals, wait there as pending changes.
    """
    reason = require_reason(reason)
    require_user(user)
    report = GtdImportReport()
    learned: dict[str, int] = {}
    with transaction.atomic():
        moment = timezone.now()
        resolve = PerpetratorResolver(
            matcher, report, learned, create=create_unknown_groups, dry_run=dry_run, user=user, reason=reason, moment=moment
        )
        stored = _stored_attacks([parsed.slug for parsed in attacks])
        new, changed, changed_fields, kept = [], [], set(), []
        for parsed in attacks:
            if parsed.approximate_date_unread:
                report.approximate_dates_unread.add(parsed.line)
            values = (parsed.slug, *_imported_values(parsed.values)[:-1], resolve.perpetrator_description(parsed))
            attack_id, current = stored.get(parsed.slug, (None, None))
            if current is not None:
                differing = _differing_fields(current, values)
                if _END_DATE in differing and _editors_end_date_stays(current, values):
                    differing.discard(_END_DATE)
                if not differing:
                    report.unchanged += 1
                    kept.append((parsed, attack_id))
                    continue
                values = tuple(values[index] if index in differing else current[index] for index in range(len(values)))
            if _too_long(values) and (problem := _invalid_values(parsed)):
                report.error(parsed.line, parsed.eventid, problem)
                continue
            if current is None:
                new.append(values)
            else:
                changed.append((attack_id, *values))
                changed_fields.update(differing)
            kept.append((parsed, attack_id))
        report.created, report.updated = len(new), len(changed)

        resolved = resolve.resolve([parsed for parsed, _ in kept])
        history = {"user": user, "reason": reason, "moment": moment}
        new_targets = {("attack", None)}  # what this batch creates, which no citation can cite yet; in a dry run, by stand-ins
        if not dry_run:
            report.record_created(Group, resolved.created_ids())
            new_ids = records_bulk_create(model=Attack, fields=ATTACK_FIELDS, rows=new, **history)
            report.record_created(Attack, new_ids)
            new_targets.update(("attack", attack_id) for attack_id in new_ids)
            new_ids = iter(new_ids)
            kept = [(parsed, next(new_ids) if attack_id is None else attack_id) for parsed, attack_id in kept]
            if changed:
                updated = sorted(changed_fields)  # only the fields that differ in some row
                rows = [(row[0], *(row[1 + index] for index in updated)) for row in changed]
                fields = [ATTACK_FIELDS[index] for index in updated]
                records_bulk_update(model=Attack, fields=fields, rows=rows, change_set=change_set, **history)

        wanted_by_row = []
        for (parsed, attack_id), ids in zip(kept, resolved.group_ids, strict=True):
            # Two GTD names of one group (gname "ISIL", gname2 "Islamic State") make one attribution, citing the first.
            wanted: dict[tuple, Perpetrator] = {}
            for group_id, perpetrator in zip(ids, parsed.perpetrators, strict=True):
                if group_id is not None:
                    wanted.setdefault((attack_id, group_id, perpetrator.kind, perpetrator.attributed_by), perpetrator)
            wanted_by_row.append(wanted)
        sources = _stored_sources([parsed.slug for parsed, _ in kept], [parsed.source_url for parsed, _ in kept])
        attribution_ids, attributions = _reconcile_attributions(
            kept, wanted_by_row, stored, sources, report=report, dry_run=dry_run, change_set=change_set, **history
        )
        report.attributions_created = len(attributions)
        if attributions and not dry_run:
            rows = [(*key, wanted_by_row[row][key].description) for row, key in attributions]
            new_ids = records_bulk_create(model=Attribution, fields=ATTRIBUTION_FIELDS, rows=rows, **history)
            report.record_created(Attribution, new_ids)
            attribution_ids.update(zip((key for _, key in attributions), new_ids, strict=True))
        new_targets.update(("attribution", attribution_ids.get(key, key)) for _, key in attributions)

        # What each row's record is cited for: (target kind, target id, quote, locator, field). In a dry run a new
        # attribution stands for itself by its key.
        cited_by_row = []
        for (parsed, attack_id), wanted in zip(kept, wanted_by_row, strict=True):
            cited = [("attack", attack_id, parsed.attack_quote, INCIDENT_LOCATOR, "")]
            cited += [("attribution", attribution_ids.get(key, key), p.quote, PERPETRATOR_LOCATOR, "") for key, p in wanted.items()]
            created_groups = resolved.created_by_row(parsed)
            cited += [("group", group_id, quote, PERPETRATOR_LOCATOR, "name") for group_id, quote in created_groups]
            new_targets.update(("group", group_id) for group_id, _ in created_groups)
            cited_by_row.append((parsed, cited))
        sources_written = _cite_gtd_records(cited_by_row, new_targets, sources, report=report, dry_run=dry_run, history=history)
        if change_set is not None and not dry_run:
            _queue_for_review(report, change_set=change_set, user=user)
        reconciled = report.attributions_changed or report.attributions_removed
        if not dry_run and (new or changed or attributions or reconciled or sources_written or resolved.created):
            # Bulk writes send no save signals: the pages listing or showing what the import wrote must still go stale.
            invalidate_models(Attack, Attribution, Group, Source, Citation)
    if not dry_run:
        for name, group_id in learned.items():
            matcher.learn(name, group_id)
    return report


_END_DATE = ATTACK_FIELDS.index("end_date")
_DATE = ATTACK_FIELDS.index("date")


def _editors_end_date_stays(current: tuple, values: tuple) -> bool:
    """GTD gives no end date where an editor gave one: it stays, if the start GTD gives (known to the day) comes before it."""
    return (
        values[_END_DATE] is None
        and current[_END_DATE] is not None
        and values[_DATE] is not None
        and (values[ATTACK_FIELDS.index("date_precision")] == DatePrecision.DAY and current[_END_DATE] >= values[_DATE])
    )


def _reconcile_attributions(
    kept: list[tuple[GtdAttack, int]], wanted_by_row: list[dict], stored: dict, sources: dict, *, report, dry_run, change_set, **history
) -> tuple[dict[tuple, int], list[tuple[int, tuple]]]:
    """Bring the attributions of the batch's attacks in line with their rows; returns the ids of the attributions the
    rows support, by key (attack, group, kind, attributed by), and the (row, key) of those to create.

    The import's own attributions are those whose only citations are the import's, from the event's GTD record (its
    perpetrator lines). Of these, one whose group the row still names with another kind (a claim where GTD attributed
    it before) or another note (competing claims) is changed; one the row no longer supports is removed (with its
    citations), through `kb.services.record_delete`: a published one the user may not unpublish becomes a pending
    deletion in `change_set`. Attributions an editor made or also cites from elsewhere are left as they are.
    """
    recorded = _stored_attributions([attack_id for attack_id, _ in stored.values()])
    ids = {key: attribution_id for key, (attribution_id, _) in recorded.items()}
    # Whether an attribution is the import's own matters only where its row no longer names it as recorded: an
    # unchanged re-import reads no citations.
    wanted_of_attack = {attack_id: wanted for (_, attack_id), wanted in zip(kept, wanted_by_row, strict=True)}
    questioned = {
        attribution_id: key[0]
        for key, (attribution_id, description) in recorded.items()
        if (wanted := wanted_of_attack.get(key[0])) is not None and (key not in wanted or wanted[key].description != description)
    }
    own = _import_only_attributions(questioned, kept, sources) if questioned else set()
    by_attack: dict[int, list[tuple]] = {}
    for key, (attribution_id, _) in recorded.items():
        if attribution_id in own:
            by_attack.setdefault(key[0], []).append(key)
    to_create, changes, removed = [], [], []
    for row, ((_, attack_id), wanted) in enumerate(zip(kept, wanted_by_row, strict=True)):
        unmatched = [key for key in by_attack.get(attack_id, ()) if key not in wanted]
        for key, perpetrator in wanted.items():
            if key in recorded:
                attribution_id, description = recorded[key]
                if attribution_id in own and description != perpetrator.description:
                    changes.append((attribution_id, *key[2:], perpetrator.description))
                continue
            same_group = next((old for old in unmatched if old[1] == key[1]), None)
            if same_group is not None:
                unmatched.remove(same_group)
                ids[key] = ids[same_group]
                changes.append((ids[same_group], *key[2:], perpetrator.description))
            else:
                to_create.append((row, key))
        removed += [ids[key] for key in unmatched]
    report.attributions_changed, report.attributions_removed = len(changes), len(removed)
    if dry_run:
        return ids, to_create
    records_bulk_update(model=Attribution, fields=("kind", "attributed_by", "description"), rows=changes, change_set=change_set, **history)
    user, reason = history["user"], history["reason"]
    for attribution in Attribution.objects.filter(pk__in=removed).select_related("attack", "group").order_by("pk"):
        if record_delete(instance=attribution, user=user, reason=reason, change_set=change_set) is not None:
            report.attributions_removal_pending += 1
    return ids, to_create


def _import_only_attributions(attack_of: dict[int, int], kept: list[tuple[GtdAttack, int]], sources: dict) -> set[int]:
    """The ids among `attack_of` ({attribution id: its attack's id}) whose every citation is the import's: from their
    event's GTD record, on its perpetrator lines."""
    record_of_attack = {}
    for parsed, attack_id in kept:
        source_id, _ = sources.get(parsed.slug) or sources.get(parsed.source_url) or (None, None)
        if source_id is not None:
            record_of_attack[attack_id] = source_id
    with array_cursor() as cursor:
        cursor.execute(
            f"SELECT attribution_id, source_id, locator FROM {Citation._meta.db_table} WHERE attribution_id = ANY(%b)", [list(attack_of)]
        )
        citations = cursor.fetchall()
    own, other = set(), set()
    for attribution_id, source_id, locator in citations:
        imported = locator == PERPETRATOR_LOCATOR and record_of_attack.get(attack_of[attribution_id]) == source_id
        (own if imported else other).add(attribution_id)
    return own - other


def _queue_for_review(report: GtdImportReport, *, change_set, user) -> None:
    """The batch's new drafts, its draft groups among them, join the import's change set."""
    for label, ids in report.created_ids.items():
        model = apps.get_model(label)
        queue_bulk_publish(change_set=change_set, model=model, ids=ids, user=user)


def _cite_gtd_records(
    cited_by_row: list[tuple[GtdAttack, list[tuple]]],
    new_targets: set[tuple],
    stored: dict,
    *,
    report: GtdImportReport,
    dry_run: bool,
    history,
) -> bool:
    """Write each event's source and the citations of the facts it supports; returns whether anything was written.

    `cited_by_row` holds, for each row, (target kind, target id, quote, locator, field) of what it supports,
    `new_targets` the (kind, id) of those the batch created, and `stored` the sources recorded for the rows
    (`_stored_sources`). A new event gets its source, text the record's words, and a citation for each. An event
    recorded before whose words are the same gets citations for what is new; one whose words changed gets the
    citations it lacks: the import's own one for a fact (the same locator) takes the quote of this release, and a
    fact with no citation from the source at all gets one; a fact an editor cites otherwise is left as it is. Its
    text becomes this release's words, followed (after `EARLIER_WORDS_HEADING`) by any quote of its citations that
    they no longer hold, so every citation's quote stays in the text (`sources.text.check_quote`).
    """
    urls = [parsed.source_url for parsed, _ in cited_by_row]
    found = [stored.get(parsed.slug) or stored.get(url) or (None, None) for (parsed, _), url in zip(cited_by_row, urls, strict=True)]
    # Texts are compared by fingerprint: one that folds to the same words holds every quote it held, and what it
    # was cited for before is cited still (or an editor took the citation away), so only changed ones' citations are read.
    changed_texts = [
        source_id for (parsed, _), (source_id, text_hash) in zip(cited_by_row, found, strict=True) if text_hash != parsed.record_text_hash
    ]
    citations = _stored_citations([source_id for source_id in changed_texts if source_id is not None])
    new_sources, new_source_citations, changed_sources, new_citations, changed_citations = [], [], [], [], []
    for (parsed, cited), url, (source_id, stored_hash) in zip(cited_by_row, urls, found, strict=True):
        if source_id is None:
            new_sources.append((parsed.slug, parsed.source_title, GTD_OUTLET, url, parsed.record_text, parsed.record_text_hash))
            new_source_citations.append(cited)
            continue
        if stored_hash == parsed.record_text_hash:
            new_citations += [_citation_row(source_id, *citation) for citation in cited if citation[:2] in new_targets]
            continue
        by_target = citations.get(source_id, {})
        updated = {}
        for kind, target, quote, locator, field in cited:
            theirs = by_target.get((kind, target), ())
            own = next(((citation_id, own_quote) for citation_id, own_quote, own_locator in theirs if own_locator == locator), None)
            if own is not None and own[1] != quote:
                changed_citations.append((own[0], quote))
                updated[own[0]] = quote
            elif own is None and not theirs:
                new_citations.append(_citation_row(source_id, kind, target, quote, locator, field))
        text, folded = parsed.record_text, fold_text(parsed.record_text)
        quotes = sorted((citation_id, updated.get(citation_id, quote)) for cites in by_target.values() for citation_id, quote, _ in cites)
        earlier = dict.fromkeys(quote for _, quote in quotes if fold_text(quote) not in folded)
        if earlier:
            text = "\n\n".join((text, "\n".join((EARLIER_WORDS_HEADING, *earlier))))
        if (text_hash := text_fingerprint(text)) != stored_hash:
            changed_sources.append((source_id, text, text_hash))
    report.sources_created, report.sources_updated = len(new_sources), len(changed_sources)
    report.citations_created = len(new_citations) + sum(map(len, new_source_citations))
    report.citations_updated = len(changed_citations)
    if dry_run:
        return False
    source_ids = records_bulk_create(model=Source, fields=SOURCE_FIELDS, rows=new_sources, **history)
    report.record_created(Source, source_ids)
    for source_id, cited in zip(source_ids, new_source_citations, strict=True):
        new_citations += [_citation_row(source_id, *citation) for citation in cited]
    report.record_created(Citation, records_bulk_create(model=Citation, fields=CITATION_FIELDS, rows=new_citations, **history))
    records_bulk_update(model=Source, fields=("text", "text_hash"), rows=changed_sources, **history)
    records_bulk_update(model=Citation, fields=("quote",), rows=changed_citations, **history)
    return bool(new_sources or new_citations or changed_sources or changed_citations)


def _citation_row(source_id: int, kind: str, target: int, quote: str, locator: str, field: str) -> tuple:
    return (source_id, quote, locator, field, *(target if kind == name else None for name in CITED_TARGETS))


def _stored_attacks(slugs: list[str]) -> dict[str, tuple[int, tuple]]:
    """{slug: (id, the values of ATTACK_FIELDS)} of the attacks that exist."""
    # One array parameter: `slug__in` would send a batch's thousands of slugs as as many parameters.
    columns = ", ".join(connection.ops.quote_name(Attack._meta.get_field(name).column) for name in ("id", *ATTACK_FIELDS))
    with array_cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {Attack._meta.db_table} WHERE slug = ANY(%b)", [slugs])
        return {row[1]: (row[0], row[1:]) for row in cursor.fetchall()}


def _stored_attributions(attack_ids: list[int]) -> dict[tuple[int, int, str, str], tuple[int, str]]:
    """{(attack id, group id, kind, attributed by): (id, description)} of the attributions of these attacks."""
    if not attack_ids:
        return {}
    with array_cursor() as cursor:
        cursor.execute(
            f"SELECT attack_id, group_id, kind, attributed_by, id, description FROM {Attribution._meta.db_table} WHERE attack_id = ANY(%b)",
            [attack_ids],
        )
        return {tuple(row[:4]): (row[4], row[5]) for row in cursor.fetchall()}


def _stored_sources(slugs: list[str], urls: list[str]) -> dict[str, tuple[int, str]]:
    """{slug: (id, text fingerprint)} and {url: (id, text fingerprint)} of the sources recorded under these slugs or URLs."""
    with array_cursor() as cursor:
        # `url <> ''` lets the partial unique index on the URL serve: PostgreSQL does not prove it from an array of thousands.
        cursor.execute(
            f"SELECT id, slug, url, text_hash FROM {Source._meta.db_table} WHERE slug = ANY(%b) OR (url = ANY(%b) AND url <> '')",
            [slugs, urls],
        )
        rows = cursor.fetchall()
    return {
        **{url: (source_id, text_hash) for source_id, _, url, text_hash in rows if url},
        **{slug: (source_id, text_hash) for source_id, slug, _, text_hash in rows},
    }


def _stored_citations(source_ids: list[int]) -> dict[int, dict[tuple[str, int] | None, list[tuple[int, str, str]]]]:
    """{source id: {(target kind, target id): [(id, quote, locator)]}} of these sources' citations, oldest first; the
    target is None for a kind the import does not cite."""
    if not source_ids:
        return {}
    found: dict[int, dict] = {}
    with array_cursor() as cursor:
        cursor.execute(
            f"SELECT source_id, attack_id, attribution_id, group_id, id, quote, locator FROM {Citation._meta.db_table} "
            "WHERE source_id = ANY(%b) ORDER BY id",
            [source_ids],
        )
        for source_id, attack_id, attribution_id, group_id, *citation in cursor.fetchall():
            if attack_id is not None:
                target = ("attack", attack_id)
            elif attribution_id is not None:
                target = ("attribution", attribution_id)
            else:
                target = ("group", group_id) if group_id is not None else None
            found.setdefault(source_id, {}).setdefault(target, []).append(tuple(citation))
    return found


def _differing_fields(current: tuple, values: tuple) -> set[int]:
    """The positions in ATTACK_FIELDS whose stored values differ (33.5 and 33.500000 do not)."""
    if current == values:
        return set()
    fields = [Attack._meta.get_field(name) for name in ATTACK_FIELDS]
    pairs = enumerate(zip(fields, current, values, strict=True))
    return {index for index, (field, old, new) in pairs if old != new and comparable(field, old) != comparable(field, new)}


def _invalid_values(parsed: GtdAttack) -> str:
    """The model's field validation of a row's values ("" when they pass): the country code came from django-countries' own names."""
    try:
        Attack(slug=parsed.slug, **parsed.values).clean_fields(exclude=["country"])
    except ValidationError as error:
        return " ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
    return ""
