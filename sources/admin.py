from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from kb.admin import ChangeReasonForm, CuratedAdmin, CuratedInline
from kb.models import ChangeSetKind, as_id
from kb.services import change_set_start

from .models import Citation, Source
from .selectors import source_already_recorded

# A new record's page, opened from a source's mentions, starts with a citation row holding the quote.
CITATION_SOURCE_PARAMETER, CITATION_QUOTE_PARAMETER = "citation_source", "citation_quote"


class CitationInline(CuratedInline):
    """Citations of the record being edited; the quote is checked against the source text on save."""

    model = Citation
    extra = 1
    fields = ["source", "quote", "field", "locator", "credibility", "publication_status"]
    autocomplete_fields = ["source"]

    def initial_rows(self, request) -> list[dict]:
        source_id = as_id(request.GET.get(CITATION_SOURCE_PARAMETER, ""))
        quote = request.GET.get(CITATION_QUOTE_PARAMETER, "").strip()
        return [{"source": source_id, "quote": quote}] if source_id and quote else []

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "field":
            # Offer exactly the parts of the parent record that can be cited.
            choices = [("", "the whole record"), *((name, name.replace("_", " ")) for name in self.parent_model.CITABLE_FIELDS)]
            return forms.ChoiceField(choices=choices, required=False, label=db_field.verbose_name, help_text=db_field.help_text)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class SourceCitationInline(admin.TabularInline):
    """On a source: the quotes cited from it, read-only (edit them on the fact they support)."""

    model = Citation
    extra = 0
    fields = ["quote", "field", "target_display", "publication_status"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    verbose_name_plural = "Citations of this source"

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="supports")
    def target_display(self, citation):
        return f"{citation.target._meta.verbose_name}: {citation.target}"


class SourceForm(ChangeReasonForm):
    """Refuses a second record of an article: one with the same canonical URL or the same text, shown with a link.

    The error goes on the field that matched, which also keeps the model's own unique-URL message from repeating it.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = (
                "Its address on the site. Leave it empty to make one from the title; "
                "when it changes, the old address redirects to the new one."
            )

    def clean(self):
        cleaned = super().clean()
        found = source_already_recorded(url=cleaned.get("url") or "", text=cleaned.get("text") or "", excluding_pk=self.instance.pk)
        if found:
            message = format_html(
                'This article is already recorded, with the same {}: <a href="{}">{}</a> (<a href="{}">what it names</a>). '
                "Nothing was saved; open that record instead.",
                found.same,
                reverse("admin:sources_source_change", args=[found.source.pk]),
                found.source,
                reverse("admin:sources_source_mentions", args=[found.source.pk]),
            )
            raise ValidationError({"url" if found.same == "URL" else "text": ValidationError(message, code="already_recorded")})
        return cleaned


@admin.register(Source)
class SourceAdmin(CuratedAdmin):
    list_display = ["__str__", "outlet", "published", "language", "reliability", "publication_status", "updated_at"]
    list_filter = ["publication_status", "language", "reliability", ("published", admin.DateFieldListFilter)]
    search_fields = ["title", "outlet", "url", "slug"]
    readonly_fields = ["previous_slugs"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "previous_slugs", "outlet", "authors", "publication_status"]}),
        ("Publication", {"fields": [("published", "published_precision"), "language", "url", "archive_url", "accessed"]}),
        ("Text and grading", {"fields": ["text", "reliability"]}),
    ]
    inlines = [SourceCitationInline]
    form = SourceForm

    def save_model(self, request, obj, form, change):
        """A new draft source starts its intake: it, its citations and the records made from its mentions page are
        reviewed together."""
        if not change and not obj.is_published and self._change_set(request) is None:
            request._kb_change_set = change_set_start(
                user=request.user, title=f"Intake of {obj.display_title}"[:200], kind=ChangeSetKind.INTAKE
            )
        super().save_model(request, obj, form, change)

    def after_add_url(self, request, obj):
        """A new source goes on to what its text names."""
        return super().after_add_url(request, obj) or reverse("admin:sources_source_mentions", args=[obj.pk])


@admin.register(Citation)
class CitationAdmin(CuratedAdmin):
    list_display = ["__str__", "source", "field", "credibility", "publication_status", "updated_at"]
    list_filter = ["publication_status", "credibility"]
    search_fields = ["quote", "source__title", "source__outlet"]
    autocomplete_fields = [
        "source",
        "group",
        "alias",
        "affiliation",
        "designation",
        "attack",
        "attribution",
        "group_role",
        "size_estimate",
        "section",
    ]
    list_select_related = ["source"]
    fieldsets = [
        (None, {"fields": ["source", "quote", "locator", "field", "credibility", "publication_status"]}),
        (
            "The fact it supports (choose exactly one)",
            {"fields": ["group", "alias", "affiliation", "designation", "attack", "attribution", "group_role", "size_estimate", "section"]},
        ),
    ]
