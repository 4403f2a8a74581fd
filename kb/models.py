"""What every curated record shares: publication state, timestamps and full history."""

from django.apps import apps
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


MAX_ID = 2**63 - 1  # Postgres bigint


def as_id(value: str) -> int | None:
    """`value` as a record id, or None when it cannot be one ("²" is a digit to Python, 10**20 too big for Postgres)."""
    value = value.strip()
    if value.isascii() and value.isdigit() and int(value) <= MAX_ID:
        return int(value)
    return None


class CuratedQuerySet(models.QuerySet):
    def published(self):
        """Records whose own status is published (their parents may still be drafts)."""
        return self.filter(publication_status=PublicationStatus.PUBLISHED)

    def public(self, *, within: str = ""):
        """What the public faces may show: published, and so is every record it is shown through.

        `within`, one of those (`shown_through`: a foreign key in `PUBLISHED_WITH`, or for a citation its source or
        fact), for records read as parts of one already known public, by a query that picks that one itself (an
        attack's attributions under a list of public attacks): its condition, a join, is left out."""
        return self.filter(self.model.public_q(within=within))

    def get_by_slug_or_id(self, key: str):
        """The record whose slug is `key`, or else whose earlier slug it is (a model that keeps them in `previous_slugs`:
        the caller redirects), or else (for short links) whose id is; a slug wins, so "2016" stays a slug. One query."""
        earlier = any(field.name == "previous_slugs" for field in self.model._meta.concrete_fields)
        lookup = Q(slug=key)
        if earlier:
            lookup |= Q(previous_slugs__contains=[key])
        if (record_id := as_id(key)) is not None:
            lookup |= Q(pk=record_id)
        matches = sorted(self.filter(lookup), key=lambda record: (record.slug != key, earlier and key not in record.previous_slugs))
        if not matches:
            raise self.model.DoesNotExist(f"No {self.model._meta.verbose_name} {key!r} here.")
        return matches[0]


def status_index(model_name: str) -> models.Index:
    """Each curated table's index on its status (for the admin's filters), declared in the model's Meta.

    Not `db_index=True` on the field: on PostgreSQL that adds a second, pattern-matching index no query uses,
    and django-simple-history would index the history tables too; a bulk import pays for every index."""
    return models.Index(fields=["publication_status"], name=f"{model_name}_status_idx")


def updated_index(model_name: str, link: str = "id", name: str = "") -> models.Index:
    """An index on when each record last changed and what it links to: a table's newest changes, ties broken by the
    link (the newest record first), read in order without sorting the table."""
    return models.Index(fields=["updated_at", link], name=name or f"{model_name}_updated_idx")


class CuratedHistory(HistoricalRecords):
    """django-simple-history's records, without the columns PostgreSQL computes from the others (a `GeneratedField`,
    such as a `search_document`): derived, never edited, they would only weigh on the history tables. Left out this
    way rather than as `excluded_fields`, which would make each historical instance read them from the live row."""

    def fields_included(self, model):
        return [field for field in super().fields_included(model) if not field.generated]


class CuratedModel(models.Model):
    """A record editors curate: drafts stay off the public faces, every change is kept."""

    publication_status = models.CharField(
        "publication status",
        max_length=16,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
        help_text="Only published records appear on the public site, the API and exports.",
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("last updated", auto_now=True)

    history = CuratedHistory(inherit=True)
    objects = CuratedQuerySet.as_manager()

    # Foreign keys to the records this one is shown through: a published alias of a draft group stays hidden.
    PUBLISHED_WITH: tuple[str, ...] = ()
    # A fact (a group's record, an alias, an attack…) is public only with a public citation (kb.services.publishing).
    NEEDS_CITATION: bool = False

    class Meta:
        abstract = True

    @classmethod
    def public_q(cls, prefix: str = "", *, within: str = "") -> Q:
        """The condition for a public record, for this model or (with `prefix`, e.g. "alias__") through a relation;
        `within`: as `CuratedQuerySet.public`."""
        cls._check_shown_through(within)
        condition = Q(**{f"{prefix}publication_status": PublicationStatus.PUBLISHED})
        for name in cls.PUBLISHED_WITH:
            if name != within:
                condition &= cls._meta.get_field(name).related_model.public_q(f"{prefix}{name}__")
        return condition

    @classmethod
    def shown_through(cls) -> tuple[str, ...]:
        """The foreign keys to the records this one is public only with, as `public_q` reads them."""
        return cls.PUBLISHED_WITH

    @classmethod
    def _check_shown_through(cls, within: str) -> None:
        if within and within not in cls.shown_through():
            shown_through = ", ".join(cls.shown_through()) or "nothing"
            raise ValueError(f"{cls.__name__} is not shown through {within!r}: it is shown through {shown_through}.")

    @property
    def is_published(self) -> bool:
        return self.publication_status == PublicationStatus.PUBLISHED

    def facts_supported(self) -> list[models.Model]:
        """The facts whose citations this record is or holds (a citation's fact; a source's cited facts)."""
        return []


class AuditedModel(models.Model):
    """A record that is not published data but is kept like it: every change with who, when and why, written through
    `kb.services` and refused by `kb.audit` otherwise (the settings an import reads, such as GTD's perpetrator names)."""

    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("last updated", auto_now=True)

    history = CuratedHistory(inherit=True)

    class Meta:
        abstract = True


def curated_models() -> list[type[CuratedModel]]:
    """Every curated model, app by app in `INSTALLED_APPS` order and as each app declares them: the registry that
    restores, the deletions feed and the cache read, so that a new model joins them by subclassing alone."""
    return [model for model in apps.get_models() if issubclass(model, CuratedModel)]


def curated_models_parents_first() -> list[type[CuratedModel]]:
    """The curated models ordered so that each comes after every curated model it has a foreign key to (a restore
    saves parents before what refers to them): by the length of its longest chain of such keys, then as
    `curated_models` lists them, so that the order is the same on every run."""
    curated = curated_models()
    parents = {
        model: {field.related_model for field in model._meta.concrete_fields if field.is_relation and field.related_model in curated}
        - {model}
        for model in curated
    }
    depth: dict[type[CuratedModel], int] = {}

    def depth_of(model, chain=()):
        if model in chain:
            raise ValueError(f"Curated models refer to each other in a loop: {' → '.join(m._meta.label for m in chain)}.")
        if model not in depth:
            depth[model] = max((depth_of(parent, (*chain, model)) + 1 for parent in parents[model]), default=0)
        return depth[model]

    return sorted(curated, key=lambda model: (depth_of(model), curated.index(model)))


# --- Review: what waits for a Reviewer before readers see it ---------------------------------------------------


class ChangeSetKind(models.TextChoices):
    EDIT = "edit", "Editor's changes"
    INTAKE = "intake", "Source intake"
    IMPORT = "import", "Import run"


class ChangeSet(models.Model):
    """Changes reviewed together: an editor's named batch, the intake of one source, or one import run.

    Its changes (`PendingChange`) wait for a Reviewer, who approves or rejects all or some of them with one reason.
    Readers keep seeing the published records until then."""

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=ChangeSetKind.choices, default=ChangeSetKind.EDIT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="change_sets", verbose_name="created by"
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    is_open = models.BooleanField(
        "open for more changes", default=True, help_text="Its author's new changes join it; a closed one only awaits review."
    )

    class Meta:
        verbose_name = "change set"
        verbose_name_plural = "change sets"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ChangeSetKind.values),
                name="change_set_kind_valid",
                violation_error_message="Unknown kind of change set.",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="change_set_has_title", violation_error_message="Name the change set."),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


class PendingAction(models.TextChoices):
    PUBLISH = "publish", "Publish new record"
    CHANGE = "change", "Change published record"
    DELETE = "delete", "Delete published record"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Awaiting review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class PendingChange(models.Model):
    """One record's change that waits for a Reviewer: a draft to publish, the new values of a published record's
    fields (the live record keeps the published ones), or the deletion of a published record."""

    # No index of their own: those below that begin with them serve their lookups, and an import writes a pending
    # change for each record it creates, which pays for every index.
    change_set = models.ForeignKey(ChangeSet, on_delete=models.CASCADE, related_name="changes", verbose_name="change set", db_index=False)
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, verbose_name="kind of record", db_index=False)
    object_id = models.BigIntegerField("record id")
    action = models.CharField(max_length=16, choices=PendingAction.choices)
    values = models.JSONField(default=dict, blank=True, help_text="The changed fields' new values, as stored.")
    base_revision = models.BigIntegerField("opened revision", null=True, blank=True)
    reasons = models.TextField(blank=True, help_text="Each editor's reason, one a line.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="written by")
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("last changed", auto_now=True)
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )  # indexed where set (`pending_change_decided_by_idx`): a pending change has no decider
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = "pending change"
        verbose_name_plural = "pending changes"
        ordering = ["change_set", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=Q(status="pending"),
                name="pending_change_one_per_record",
                violation_error_message="This record already has a change awaiting review; edit that one.",
            ),
            models.CheckConstraint(
                condition=Q(action__in=PendingAction.values), name="pending_change_action_valid", violation_error_message="Unknown action."
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReviewStatus.values), name="pending_change_status_valid", violation_error_message="Unknown status."
            ),
        ]
        indexes = [
            models.Index(fields=["change_set", "status"], name="pending_change_set_status_idx"),
            models.Index(fields=["content_type", "status"], name="pending_change_model_idx"),
            models.Index(fields=["decided_by"], condition=Q(decided_by__isnull=False), name="pending_change_decided_by_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.content_type.model} {self.object_id}"

    @property
    def model(self):
        return self.content_type.model_class()


class PrebuiltPage(models.Model):
    """A public page built ahead of its readers and kept in the database (`kb.prebuilt`): derived from the curated
    records, never edited, rebuilt when what it shows changes; not curated, so kept without history."""

    address = models.TextField(primary_key=True, help_text="Scheme, host and path: the page's links are absolute.")
    day = models.DateField(help_text="The day it was built for: a page's citation gives the day it was read.")
    code = models.CharField(max_length=64, help_text="The release that built it: another release builds it again.")
    snapshot = models.BigIntegerField(help_text="The data version read before it was built (kb.cache).")
    tags = ArrayField(models.TextField(), help_text="The cache tags of what it shows; `all` left out.")
    content = models.BinaryField()
    content_type = models.CharField(max_length=100)
    etag = models.CharField(max_length=100)
    built_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "kb_prebuilt_page"
        indexes = [GinIndex(fields=["tags"], name="prebuilt_page_tags_idx")]

    def __str__(self):
        return self.address
