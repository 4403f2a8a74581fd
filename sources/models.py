"""Sources (news articles, reports) and the citations that tie each fact to their words."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import F, Q

from kb.dates import choices_constraint, format_partial_date, partial_date_constraints, precision_field
from kb.links import record_path
from kb.models import CuratedModel, status_index, updated_index
from kb.search import search_document_field

from .slugs import first_free, slug_candidates
from .text import canonicalize_url, check_quote, text_fingerprint


class SourceReliability(models.TextChoices):
    """Admiralty (NATO) grading of a source's reliability."""

    A = "A", "A – completely reliable"
    B = "B", "B – usually reliable"
    C = "C", "C – fairly reliable"
    D = "D", "D – not usually reliable"
    E = "E", "E – unreliable"
    F = "F", "F – reliability cannot be judged"


class InformationCredibility(models.TextChoices):
    """Admiralty (NATO) grading of a cited piece of information."""

    CONFIRMED = "1", "1 – confirmed by other sources"
    PROBABLY_TRUE = "2", "2 – probably true"
    POSSIBLY_TRUE = "3", "3 – possibly true"
    DOUBTFUL = "4", "4 – doubtful"
    IMPROBABLE = "5", "5 – improbable"
    CANNOT_BE_JUDGED = "6", "6 – truth cannot be judged"


class Source(CuratedModel):
    """A news article or report that facts are cited from; quotes are checked against its stored text."""

    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="Its address on the site and in the API, made from its title; an earlier one redirects to it.",
    )
    previous_slugs = ArrayField(
        models.SlugField(max_length=200),
        verbose_name="earlier addresses",
        blank=True,
        default=list,
        editable=False,
        help_text="Addresses the source had before: they redirect to the current one, and no other source may take them.",
    )
    title = models.CharField(max_length=500, blank=True)
    outlet = models.CharField(max_length=200, blank=True, help_text="Publication or agency, as the article states it.")
    authors = ArrayField(models.CharField(max_length=200), blank=True, default=list, help_text="Comma-separated.")
    url = models.URLField("URL", max_length=1000, blank=True, help_text="Stored in canonical form.")
    archive_url = models.URLField("archived copy", max_length=1000, blank=True)
    published = models.DateField("publication date", null=True, blank=True)
    published_precision = precision_field("publication date precision")
    language = models.CharField(max_length=35, default="en", help_text="BCP 47 language tag.")
    text = models.TextField(help_text="The article's full text. Quotes are verified against it; it is shown to editors only.")
    text_hash = models.CharField(
        "text fingerprint",
        max_length=64,
        editable=False,
        help_text="SHA-256 of the text with whitespace and quote marks folded: finds the same article recorded twice.",
    )
    accessed = models.DateField("accessed on", null=True, blank=True)
    reliability = models.CharField(max_length=1, choices=SourceReliability.choices, blank=True)

    # What the `q` filters and the site search look through (kb.search), indexed.
    search_document = search_document_field("title", "outlet")

    class Meta:
        verbose_name = "source"
        verbose_name_plural = "sources"
        ordering = [F("published").desc(nulls_last=True), "id"]
        permissions = [("publish_source", "Can publish or unpublish sources")]
        constraints = [
            models.UniqueConstraint(
                fields=["url"],
                condition=~Q(url=""),
                name="source_url_unique",
                violation_error_message="A source with this URL is already recorded.",
            ),
            models.CheckConstraint(
                condition=~Q(text=""),
                name="source_has_text",
                violation_error_message="Store the article's text: citations are checked against it.",
            ),
            *partial_date_constraints("published", model="source", label="publication date"),
            choices_constraint("reliability", SourceReliability, model="source", blank=True),
        ]
        indexes = [
            status_index("source"),
            GinIndex(fields=["search_document"], name="source_search_document"),
            # Equality only (the same article recorded twice): no pattern index, and none in the history table,
            # which no query reads by fingerprint; every source an import writes pays for each index.
            models.Index(fields=["text_hash"], name="source_text_hash_idx"),
            GinIndex(fields=["previous_slugs"], name="source_previous_slugs"),
            # The lists' order (newest first, undated last) over published sources: a page of them read in order,
            # not 100,000 sorted for each (50 ms at GTD scale).
            models.Index(
                F("published").desc(nulls_last=True),
                F("id"),
                condition=Q(publication_status="published"),
                name="source_published_order_idx",
            ),
        ]

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_slug = instance.__dict__.get("slug")  # a slug changed since is kept among the earlier addresses
        return instance

    def __str__(self) -> str:
        label = self.title or self.outlet or self.display_title
        if self.published:
            return f"{label} ({format_partial_date(self.published, self.published_precision)})"
        return label

    def facts_supported(self) -> list[models.Model]:
        return [citation.target for citation in self.citations.all()]

    @property
    def display_title(self) -> str:
        """The title, or for an article that states none, its opening words."""
        return self.title or untitled_article_title(self.text, self.slug)

    def get_absolute_url(self) -> str:
        return record_path("sources:source_detail", key=self.slug)

    @property
    def published_display(self) -> str:
        return format_partial_date(self.published, self.published_precision)

    def clean_fields(self, exclude=None):
        if not self.slug:  # before it is checked: a source without a slug gets one from its title
            self.slug = self.free_slug()
        super().clean_fields(exclude=exclude)

    def clean(self):
        self.url = canonicalize_url(self.url)
        self.text_hash = text_fingerprint(self.text)
        self._check_addresses()
        if self.pk and self.text:
            broken = [c for c in self.citations.all() if not check_quote(c.quote, self.text).found]
            if broken:
                quotes = "; ".join(f"“{c.quote[:80]}”" for c in broken[:5])
                raise ValidationError(
                    {"text": f"This edit would break {len(broken)} citation(s) whose quotes no longer appear in the text: {quotes}"}
                )

    def save(self, *args, **kwargs):
        self.url = canonicalize_url(self.url)
        self.text_hash = text_fingerprint(self.text)
        if not self.slug:
            self.slug = self.free_slug()
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "slug" in update_fields:
            self._keep_earlier_address()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "previous_slugs"}
        super().save(*args, **kwargs)
        self._stored_slug = self.slug

    @property
    def first_slug(self) -> str:
        """The oldest address the source is known by (the earliest kept, else the current): what names it where a name
        must not change when the address does, such as its STIX id."""
        return self.previous_slugs[0] if self.previous_slugs else self.slug

    def free_slug(self) -> str:
        """An address made from the title (`sources.slugs`) that no other source has or had."""

        def taken(candidates: list[str]) -> set[str]:
            rows = Source.objects.filter(Q(slug__in=candidates) | Q(previous_slugs__overlap=candidates)).exclude(pk=self.pk)
            return {slug for row in rows.values_list("slug", "previous_slugs") for slug in (row[0], *row[1])}

        return first_free(slug_candidates(title=self.title, outlet=self.outlet, published=self.published, text=self.text), taken)

    def _check_addresses(self) -> None:
        """No address, current or earlier, leads to two sources."""
        clash = Q(previous_slugs__contains=[self.slug])
        if self.previous_slugs:
            clash |= Q(slug__in=self.previous_slugs)
        other = Source.objects.filter(clash).exclude(pk=self.pk).only("pk", "slug", "title", "outlet", "published").first()
        if other is None:
            return
        if other.slug in self.previous_slugs:
            raise ValidationError(f"The earlier address “{other.slug}” is the address of another source, {other}.")
        raise ValidationError(
            {"slug": f"“{self.slug}” was the address of another source, {other}, and still leads there: choose another address."}
        )

    def _keep_earlier_address(self) -> None:
        """A changed slug joins the earlier addresses (which keep any the record had), and the current one leaves them."""
        previous = list(self.previous_slugs)
        if self.pk is not None and (self._state.adding or getattr(self, "_stored_slug", None) != self.slug):
            stored = Source.objects.filter(pk=self.pk).values_list("slug", "previous_slugs").first()
            if stored is not None:
                previous = [*stored[1], *previous, stored[0]]
        self.previous_slugs = [slug for slug in dict.fromkeys(previous) if slug and slug != self.slug]


def untitled_article_title(text: str, slug: str) -> str:
    """What an article that states no title is called: "Untitled article beginning “Islamabad: A major…”"."""
    opening = " ".join(text.split()[:8])
    return f"Untitled article beginning “{opening}…”" if opening else f"Untitled article {slug}"


CITATION_TARGETS = ("group", "alias", "affiliation", "designation", "attack", "attribution", "group_role", "size_estimate", "section")


def _exactly_one_of(fields: tuple[str, ...]) -> Q:
    return reduce(
        or_,
        (Q(**{f"{field}__isnull": False}, **{f"{other}__isnull": True for other in fields if other != field}) for field in fields),
    )


class Citation(CuratedModel):
    """The words of a source that support one fact: a group's summary or founding date, an alias, an attack, a leader…"""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    quote = models.TextField(help_text="Copied verbatim from the source's text (whitespace and curly quotes may differ).")
    locator = models.CharField(max_length=100, blank=True, help_text="Where in the source: paragraph, caption, page…")
    field = models.CharField(
        "supports",
        max_length=40,
        blank=True,
        help_text="Which part of the fact the quote supports (e.g. founded); empty for the whole record.",
    )
    credibility = models.CharField(max_length=1, choices=InformationCredibility.choices, blank=True)

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, null=True, blank=True, related_name="citations")
    alias = models.ForeignKey("groups.Alias", on_delete=models.CASCADE, null=True, blank=True, related_name="citations")
    affiliation = models.ForeignKey("groups.Affiliation", on_delete=models.CASCADE, null=True, blank=True, related_name="citations")
    designation = models.ForeignKey("groups.Designation", on_delete=models.CASCADE, null=True, blank=True, related_name="citations")
    attack = models.ForeignKey("groups.Attack", on_delete=models.CASCADE, null=True, blank=True, related_name="citations")
    attribution = models.ForeignKey("groups.Attribution", on_delete=models.CASCADE, null=True, blank=True, related_name="citations")
    group_role = models.ForeignKey(
        "groups.GroupRole", on_delete=models.CASCADE, null=True, blank=True, related_name="citations", verbose_name="role"
    )
    size_estimate = models.ForeignKey("groups.SizeEstimate", on_delete=models.CASCADE, null=True, blank=True, related_name="citations")
    section = models.ForeignKey(
        "groups.GroupSection", on_delete=models.CASCADE, null=True, blank=True, related_name="citations", verbose_name="profile section"
    )

    search_document = search_document_field("quote")  # what the `q` filter looks through (kb.search), indexed

    class Meta:
        verbose_name = "citation"
        verbose_name_plural = "citations"
        ordering = ["source", "id"]
        permissions = [("publish_citation", "Can publish or unpublish citations")]
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one_of(CITATION_TARGETS),
                name="citation_exactly_one_target",
                violation_error_message="A citation supports exactly one fact: choose one group, alias, affiliation, "
                "designation, attack, attribution, role, size estimate or profile section.",
            ),
            models.CheckConstraint(
                condition=~Q(quote=""),
                name="citation_has_quote",
                violation_error_message="A citation needs the quoted words.",
            ),
            choices_constraint("credibility", InformationCredibility, model="citation", blank=True),
        ]
        indexes = [
            status_index("citation"),
            GinIndex(fields=["search_document"], name="citation_search_document"),
            # The API's sync order (`?ordering=-updated`, `?updated_since=`): a page read in order, not 500,000 sorted.
            updated_index("citation"),
        ]

    def __str__(self) -> str:
        quote = self.quote if len(self.quote) <= 60 else self.quote[:59] + "…"
        return f"“{quote}” ({self.source})"

    @classmethod
    def public_q(cls, prefix: str = "", *, within: str = "") -> Q:
        """Published, from a published source, and supporting a fact that is itself public. `within` (as
        `CuratedQuerySet.public`): "source", or the kind of fact, for citations read under one already known public."""
        cls._check_shown_through(within)
        condition = super().public_q(prefix)
        if within != "source":
            condition &= Source.public_q(f"{prefix}source__")
        if within not in CITATION_TARGETS:
            condition &= reduce(or_, (cls._meta.get_field(name).related_model.public_q(f"{prefix}{name}__") for name in CITATION_TARGETS))
        return condition

    @classmethod
    def shown_through(cls) -> tuple[str, ...]:
        """Its source and the fact it supports (the other, empty, targets do not count)."""
        return ("source", *CITATION_TARGETS)

    # How a citation leads to the group whose fact it supports: its record, names, relationships either way,
    # designations, roles in attacks, people in roles, size estimates and profile sections.
    GROUP_PATHS = (
        "group", "alias__group", "affiliation__from_group", "affiliation__to_group", "designation__group", "attribution__group",
        "group_role__group", "size_estimate__group", "section__group",
    )  # fmt: skip

    @classmethod
    def of_group_q(cls, group) -> Q:
        """Citations of a group's facts (`group` a group or its id), by `GROUP_PATHS`: for citations already narrowed
        down (`pk__in=`); to find them among all, `ids_of_group`."""
        return reduce(or_, (Q(**{path: group}) for path in cls.GROUP_PATHS))

    @classmethod
    def ids_of_group(cls, group) -> models.QuerySet:
        """The ids of the citations of a group's facts, as `of_group_q` has them, for `kb.lookups.any_of`: one lookup a
        path, each served by the index of its own key. `of_group_q` alone, one OR across nine joins, is served by no
        index: a page of a group's citations walked all 500,000 at GTD scale to find a few (2.5 s)."""
        return cls.ids_where(*(Q(**{path: group}) for path in cls.GROUP_PATHS))

    @classmethod
    def ids_where(cls, *conditions: Q) -> models.QuerySet:
        """The ids of the citations that meet any of `conditions`, one lookup each (`UNION ALL`: a citation supports one fact)."""
        lookups = [cls.objects.order_by().filter(condition).values("pk") for condition in conditions]
        return lookups[0].union(*lookups[1:], all=True)

    @classmethod
    def groups_cited(cls, citations: models.QuerySet) -> dict[int, set[int]]:
        """The ids of the groups each of `citations` is a citation of (two for a relationship), in one query."""
        return {pk: {group for group in groups if group is not None} for pk, *groups in citations.values_list("pk", *cls.GROUP_PATHS)}

    @classmethod
    def supports_publicly_q(cls, prefix: str = "") -> Q:
        """A citation that makes its fact cited in public, once the fact is: published, from a published source."""
        return Q(**{f"{prefix}publication_status": "published"}) & Source.public_q(f"{prefix}source__")

    def facts_supported(self) -> list[models.Model]:
        return [self.target] if self.target is not None else []

    @property
    def target(self):
        return next((getattr(self, name) for name in CITATION_TARGETS if getattr(self, f"{name}_id")), None)

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True):
        """Errors `clean` finds on a field the form leaves out become errors of the whole form.

        A source's read-only list of its citations has no quote field: when an edit of the text would break a citation,
        Django's form would raise on an error it has no field for, instead of showing it.
        """
        try:
            super().full_clean(exclude, validate_unique=validate_unique, validate_constraints=validate_constraints)
        except ValidationError as error:
            excluded, errors = set(exclude or ()), {}
            for name, messages in error.update_error_dict({}).items():
                errors.setdefault(NON_FIELD_ERRORS if name in excluded else name, []).extend(messages)
            raise ValidationError(errors) from None

    def clean(self):
        errors = {}
        targets = [name for name in CITATION_TARGETS if getattr(self, f"{name}_id")]
        if len(targets) > 1:
            errors["__all__"] = "A citation supports exactly one fact; choose only one of: " + ", ".join(targets) + "."
        elif len(targets) == 1 and self.field:
            citable = type(self.target).CITABLE_FIELDS
            if self.field not in citable:
                errors["field"] = (
                    f"{type(self.target)._meta.verbose_name.capitalize()} citations can support: {', '.join(citable)} (or leave it empty)."
                )
        if self.source_id and self.quote:
            check = check_quote(self.quote, self.source.text)
            if not check.found:
                errors["quote"] = (
                    f"This quote does not appear verbatim in the text of “{self.source}”. {check.mismatch_hint} "
                    "Copy the words exactly; only whitespace and curly quotes may differ."
                )
        if errors:
            raise ValidationError(errors)
