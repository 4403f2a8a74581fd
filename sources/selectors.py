"""Reads of sources and citations for the public faces: public records only, with what they render fetched up front."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from kb.cache import parts_of_loaded_records, publication_only
from kb.models import curated_models
from kb.search import matching, query_words

from .models import Citation, Source
from .references import field_label
from .text import canonicalize_url, fold_text, text_fingerprint

CITATION_ORDER = ("source__published", "source_id", "id")


def public_citations() -> QuerySet[Citation]:
    """Citations a reader may see, with their source."""
    return Citation.objects.public().select_related("source").order_by(*CITATION_ORDER)


def public_sources() -> QuerySet[Source]:
    return Source.objects.published()


def sources_for_list() -> QuerySet[Source]:
    """Public sources, each with how many public quotes cite it: counted for the rows of a page only, not for every source.

    The count reads the quotes, and every kind of fact they support, only for whether each is public: a list depends
    on their publication (`kb.cache.publication_only`), and the edit of a quote's words or of an alias leaves it be."""
    cited = Citation.objects.public().filter(source=OuterRef("pk")).order_by().values("source").annotate(count=Count("pk")).values("count")
    counted = public_sources().annotate(public_citation_count=Coalesce(Subquery(cited, output_field=IntegerField()), 0))
    return publication_only(counted, [model for model in curated_models() if model is not Source])


# What each kind of cited fact needs loaded to be named and linked on a source's page.
_TARGET_RELATIONS = {
    "group": ("group",),
    "alias": ("alias__group",),
    "affiliation": ("affiliation__from_group", "affiliation__to_group"),
    "designation": ("designation__group",),
    "attack": ("attack",),
    "attribution": ("attribution__attack", "attribution__group"),
    "group_role": ("group_role__person", "group_role__group"),
    "size_estimate": ("size_estimate__group",),
    "section": ("section__group",),
}


@dataclass(frozen=True)
class CitedFact:
    """A fact a quote supports, named for a reader and linked to the page that shows it."""

    kind: str
    label: str
    url: str
    supports: str  # the field the quote supports ("founded"), or "" for the whole record


@dataclass
class QuotedPassage:
    quote: str
    locator: str
    position: int  # where the quote starts in the article, for reading order
    facts: list[CitedFact] = field(default_factory=list)


@dataclass(frozen=True)
class SourcePage:
    source: Source
    passages: list[QuotedPassage]

    @property
    def fact_count(self) -> int:
        return len({(fact.kind, fact.label) for passage in self.passages for fact in passage.facts})


def source_page(key: str) -> SourcePage:
    """A published source by slug (an earlier one too, or its id, for short links) with its public quotes, in the
    article's order, and the facts they support."""
    source = public_sources().get_by_slug_or_id(key)
    citations = (
        Citation.objects.public()
        .filter(source=source)
        .select_related(*(relation for relations in _TARGET_RELATIONS.values() for relation in relations))
        .order_by("id")
    )
    folded_text = fold_text(source.text)
    passages: dict[tuple[str, str], QuotedPassage] = {}
    for citation in citations:
        folded_quote = fold_text(citation.quote)
        passage = passages.get((folded_quote, citation.locator))
        if passage is None:
            passage = QuotedPassage(quote=citation.quote, locator=citation.locator, position=folded_text.find(folded_quote))
            passages[(folded_quote, citation.locator)] = passage
        passage.facts.append(cited_fact(citation))
    return SourcePage(source=source, passages=sorted(passages.values(), key=lambda passage: passage.position))


def cited_fact(citation: Citation) -> CitedFact:
    target = citation.target
    kind = type(target)._meta.verbose_name
    if citation.group_id:
        label, url = target.name, target.get_absolute_url()
    elif citation.alias_id:
        label, url = f"“{target.name}”, a name of {target.group.name}", target.group.get_absolute_url()
    elif citation.affiliation_id:
        label, url = str(target), target.from_group.get_absolute_url()
    elif citation.designation_id:
        label, url = f"{target.group.name}: {target.listing} ({target.authority})", target.group.get_absolute_url()
    elif citation.attack_id:
        label, url = target.title, target.get_absolute_url()
    elif citation.group_role_id:
        label, url = f"{target.person.name}, {target.role_display.lower()} of {target.group.name}", target.group.get_absolute_url()
    elif citation.size_estimate_id:
        label, url = f"{target.group.name}: {target.figure_display} ({target.estimated_by})", target.group.get_absolute_url()
    elif citation.section_id:
        label, url = f"{target.group.name}: {target.heading_display}", target.get_absolute_url()
    else:
        label, url = f"{target.phrase} {target.group.name}: {target.attack.title}", target.attack.get_absolute_url()
    return CitedFact(kind=kind, label=label, url=url, supports=field_label(type(target), citation.field))


def public_citations_of_public_records() -> QuerySet[Citation]:
    """The public citations, with their source, in reading order, for a caller that reads them only for records it
    knows are public.

    Under a public record a citation is public when it and its source are published. Checking only
    that, rather than `Citation.public_q` (which joins every kind of record a citation can support),
    keeps each read a two-table query that Postgres plans in a fraction of a millisecond.
    """
    return Citation.objects.published().filter(Source.public_q("source__")).select_related("source").order_by(*CITATION_ORDER)


def prefetch_public_citations(prefix: str = "") -> Prefetch:
    """Prefetch into `.public_citations` the public citations of records that are public themselves."""
    citations = parts_of_loaded_records(public_citations_of_public_records())
    return Prefetch(f"{prefix}citations", queryset=citations, to_attr="public_citations")


def search_sources(query: str, *, limit: int = 20) -> list[Source]:
    """Published sources with every word of `query` in their title or outlet."""
    words = query_words(query)
    if not words:
        return []
    return list(matching(public_sources(), words)[:limit])


# --- Intake: what editors see when a source comes in (the admin; drafts included) -----------------------


@dataclass(frozen=True)
class AlreadyRecorded:
    source: Source
    same: str  # "URL" or "text"


def source_already_recorded(*, url: str, text: str, excluding_pk: int | None = None) -> AlreadyRecorded | None:
    """The source recorded with the same canonical URL, or else the same text (whitespace and quote marks aside)."""
    others = Source.objects.exclude(pk=excluding_pk) if excluding_pk else Source.objects.all()
    url = canonicalize_url(url)
    if url and (match := others.filter(url=url).order_by("id").first()):
        return AlreadyRecorded(match, "URL")
    if fold_text(text) and (match := others.filter(text_hash=text_fingerprint(text)).order_by("id").first()):
        return AlreadyRecorded(match, "text")
    return None
