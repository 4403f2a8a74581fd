from django import forms
from django.contrib import admin

from kb.admin import CuratedAdmin, CuratedInline

from .models import Citation, Source


class CitationInline(CuratedInline):
    """Citations of the record being edited; the quote is checked against the source text on save."""

    model = Citation
    extra = 1
    fields = ["source", "quote", "field", "locator", "credibility", "publication_status"]
    autocomplete_fields = ["source"]

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


@admin.register(Source)
class SourceAdmin(CuratedAdmin):
    list_display = ["__str__", "outlet", "published", "language", "reliability", "publication_status", "updated_at"]
    list_filter = ["publication_status", "language", "reliability", ("published", admin.DateFieldListFilter)]
    search_fields = ["title", "outlet", "url", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (None, {"fields": ["title", "slug", "outlet", "authors", "publication_status"]}),
        ("Publication", {"fields": [("published", "published_precision"), "language", "url", "archive_url", "accessed"]}),
        ("Text and grading", {"fields": ["text", "reliability"]}),
    ]
    inlines = [SourceCitationInline]


@admin.register(Citation)
class CitationAdmin(CuratedAdmin):
    list_display = ["__str__", "source", "field", "credibility", "publication_status", "updated_at"]
    list_filter = ["publication_status", "credibility"]
    search_fields = ["quote", "source__title", "source__outlet"]
    autocomplete_fields = ["source", "group", "alias", "affiliation", "designation", "attack", "attribution"]
    list_select_related = ["source"]
    fieldsets = [
        (None, {"fields": ["source", "quote", "locator", "field", "credibility", "publication_status"]}),
        (
            "The fact it supports (choose exactly one)",
            {"fields": ["group", "alias", "affiliation", "designation", "attack", "attribution"]},
        ),
    ]
