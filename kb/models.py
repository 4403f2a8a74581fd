"""What every curated record shares: publication state, timestamps and full history."""

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

    def public(self):
        """What the public faces may show: published, and so is every record it is shown through."""
        return self.filter(self.model.public_q())

    def get_by_slug_or_id(self, key: str):
        """The record whose slug is `key`, or else (for short links) whose id is; a slug wins, so "2016" stays a slug."""
        record_id = as_id(key)
        lookup = Q(slug=key) | Q(pk=record_id) if record_id is not None else Q(slug=key)
        matches = sorted(self.filter(lookup), key=lambda record: record.slug != key)
        if not matches:
            raise self.model.DoesNotExist(f"No {self.model._meta.verbose_name} {key!r} here.")
        return matches[0]


def status_index(model_name: str) -> models.Index:
    """Each curated table's index on its status (for the admin's filters), declared in the model's Meta.

    Not `db_index=True` on the field: on PostgreSQL that adds a second, pattern-matching index no query uses,
    and django-simple-history would index the history tables too; a bulk import pays for every index."""
    return models.Index(fields=["publication_status"], name=f"{model_name}_status_idx")


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

    history = HistoricalRecords(inherit=True)
    objects = CuratedQuerySet.as_manager()

    # Foreign keys to the records this one is shown through: a published alias of a draft group stays hidden.
    PUBLISHED_WITH: tuple[str, ...] = ()

    class Meta:
        abstract = True

    @classmethod
    def public_q(cls, prefix: str = "") -> Q:
        """The condition for a public record, for this model or (with `prefix`, e.g. "alias__") through a relation."""
        condition = Q(**{f"{prefix}publication_status": PublicationStatus.PUBLISHED})
        for name in cls.PUBLISHED_WITH:
            condition &= cls._meta.get_field(name).related_model.public_q(f"{prefix}{name}__")
        return condition

    @property
    def is_published(self) -> bool:
        return self.publication_status == PublicationStatus.PUBLISHED
