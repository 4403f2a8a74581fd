"""What every curated record shares: publication state, timestamps and full history."""

from django.db import models
from simple_history.models import HistoricalRecords


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class CuratedQuerySet(models.QuerySet):
    def published(self):
        return self.filter(publication_status=PublicationStatus.PUBLISHED)


class CuratedModel(models.Model):
    """A record editors curate: drafts stay off the public faces, every change is kept."""

    publication_status = models.CharField(
        "publication status",
        max_length=16,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
        db_index=True,
        help_text="Only published records appear on the public site, the API and exports.",
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("last updated", auto_now=True)

    history = HistoricalRecords(inherit=True)
    objects = CuratedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return self.publication_status == PublicationStatus.PUBLISHED
