from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.template.loader import render_to_string
from django.utils.html import format_html
from django_countries import countries
from django_countries.filters import CountryFilter

from kb.admin import CuratedAdmin, CuratedInline
from kb.models import as_id
from sources.admin import CitationInline
from sources.markers import marker_for

from .models import (
    Affiliation,
    Alias,
    Attack,
    Attribution,
    Designation,
    Group,
    GroupRole,
    GroupSection,
    GtdPerpetratorName,
    Person,
    ProfileVersionDecision,
    SizeEstimate,
    Theatre,
    TheatreGroup,
)
from .normalization import normalize_name
from .revisions import profile_version_decision
from .selectors import section_preview


class AliasInlineFormSet(BaseInlineFormSet):
    """Catches, within one submission, what the database would only see row by row."""

    def clean(self):
        super().clean()
        group_name = (self.instance.name or "").casefold()
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("name"):
                continue
            name = data["name"].casefold()
            if name == group_name:
                form.add_error("name", "This is the group's own name, not an alias.")
            elif name in seen:
                form.add_error("name", "This alias is listed twice.")
            seen.add(name)


class AliasInline(CuratedInline):
    model = Alias
    formset = AliasInlineFormSet
    extra = 1
    # Dates of use are edited on the alias's own page (the change link), with its citations.
    fields = ["name", "kind", "language", "script", "shared_name_acknowledged", "publication_status"]


class OutgoingAffiliationInline(CuratedInline):
    model = Affiliation
    fk_name = "from_group"
    verbose_name = "relationship"
    verbose_name_plural = "Relationships (this group → other group)"
    fields = [
        "kind",
        "to_group",
        "started",
        "started_precision",
        "ended",
        "ended_precision",
        "confidence",
        "description",
        "publication_status",
    ]
    autocomplete_fields = ["to_group"]


class IncomingAffiliationInline(admin.TabularInline):
    model = Affiliation
    fk_name = "to_group"
    verbose_name_plural = "Relationships recorded from the other group's side (edit them there)"
    fields = ["from_group", "kind", "started", "confidence", "publication_status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class DesignationInline(CuratedInline):
    model = Designation
    fields = ["authority", "listing", "designated", "designated_precision", "description", "publication_status"]


_ROLE_FIELDS = ["kind", "title", "started", "started_precision", "ended", "ended_precision", "as_of", "as_of_precision"]


class GroupRoleInline(CuratedInline):
    """A group's people in public roles; each role is cited on its own page (the change link)."""

    model = GroupRole
    fk_name = "group"
    verbose_name_plural = "People in public roles (cite each on its own page)"
    fields = ["person", *_ROLE_FIELDS, "publication_status"]
    autocomplete_fields = ["person"]


class PersonRoleInline(CuratedInline):
    """A person's roles in groups; each role is cited on its own page (the change link)."""

    model = GroupRole
    fk_name = "person"
    extra = 1
    verbose_name_plural = "Roles in groups (cite each on its own page)"
    fields = ["group", *_ROLE_FIELDS, "publication_status"]
    autocomplete_fields = ["group"]


class SizeEstimateInline(CuratedInline):
    """A group's size as estimated by others; each estimate is cited on its own page (the change link)."""

    model = SizeEstimate
    verbose_name_plural = "Size estimates (cite each on its own page)"
    fields = ["low", "high", "qualifier", "counted", "as_of", "as_of_precision", "estimated_by", "description", "publication_status"]


class GroupSectionInline(admin.TabularInline):
    """A group's profile sections, listed: each is written, cited and previewed on its own page (the change link)."""

    model = GroupSection
    verbose_name_plural = "Profile sections (write, cite and preview each on its own page)"
    fields = ["topic", "heading", "publication_status", "updated_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class GroupCountryFilter(admin.SimpleListFilter):
    title = "country of operation"
    parameter_name = "country"

    def lookups(self, request, model_admin):
        used = set()
        for codes in Group.objects.values_list("countries", flat=True):
            used.update(code for code in (codes or "").split(",") if code)
        return sorted(((code, countries.name(code)) for code in used), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(countries__contains=self.value())
        return queryset


@admin.register(Group)
class GroupAdmin(CuratedAdmin):
    list_display = ["name", "kind", "status", "founded", "publication_status", "updated_at"]
    list_filter = ["publication_status", "status", "kind", GroupCountryFilter, ("founded", admin.DateFieldListFilter)]
    search_fields = ["name", "slug", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "status", "publication_status"]}),
        ("Dates", {"fields": [("founded", "founded_precision"), ("dissolved", "dissolved_precision")]}),
        ("Description", {"fields": ["summary", "ideology", "countries", "areas"]}),
        (
            "Identifiers in other data sets",
            {"fields": ["wikidata_id", "gtd_name", "mitre_attack_id", "ucdp_actor_id"], "classes": ["collapse"]},
        ),
    ]
    inlines = [
        AliasInline,
        OutgoingAffiliationInline,
        IncomingAffiliationInline,
        DesignationInline,
        GroupRoleInline,
        SizeEstimateInline,
        GroupSectionInline,
        CitationInline,
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "countries":
            kwargs["widget"] = FilteredSelectMultiple("countries", is_stacked=True)
        elif db_field.name == "areas":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 80})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        """Also find a group by any spelling of any of its names ("Tehreek e Taliban", "al qaida")."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        key = normalize_name(search_term)
        if key:
            by_spelling = queryset.filter(normalized_name__contains=key) | queryset.filter(aliases__normalized_name__contains=key)
            results = results | by_spelling
            may_have_duplicates = True
        return results, may_have_duplicates


@admin.register(Alias)
class AliasAdmin(CuratedAdmin):
    list_display = ["name", "group", "kind", "language", "script", "publication_status"]
    list_filter = ["publication_status", "kind", "language", "script"]
    search_fields = ["name", "group__name"]
    autocomplete_fields = ["group"]
    list_select_related = ["group"]
    inlines = [CitationInline]


@admin.register(Affiliation)
class AffiliationAdmin(CuratedAdmin):
    list_display = ["from_group", "kind", "to_group", "started", "confidence", "publication_status"]
    list_filter = ["publication_status", "kind", "confidence"]
    search_fields = ["from_group__name", "to_group__name", "description"]
    autocomplete_fields = ["from_group", "to_group"]
    list_select_related = ["from_group", "to_group"]
    inlines = [CitationInline]


@admin.register(Designation)
class DesignationAdmin(CuratedAdmin):
    list_display = ["group", "authority", "listing", "designated", "publication_status"]
    list_filter = ["publication_status", "authority"]
    search_fields = ["group__name", "authority", "listing"]
    autocomplete_fields = ["group"]
    list_select_related = ["group"]
    inlines = [CitationInline]


@admin.register(Person)
class PersonAdmin(CuratedAdmin):
    """A person is a name only; the roles say what the sources say of them, each cited."""

    list_display = ["name", "slug", "namesake_acknowledged", "publication_status", "updated_at"]
    list_filter = ["publication_status"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "namesake_acknowledged", "publication_status"]
    inlines = [PersonRoleInline]

    def get_search_results(self, request, queryset, search_term):
        """Also find a person by any spelling of the name ("Abu Bakr al Baghdadi")."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if key := normalize_name(search_term):
            results = results | queryset.filter(normalized_name__contains=key)
        return results, may_have_duplicates


@admin.register(GroupRole)
class GroupRoleAdmin(CuratedAdmin):
    list_display = ["person", "kind", "title", "group", "started", "ended", "as_of", "publication_status"]
    list_filter = ["publication_status", "kind"]
    search_fields = ["person__name", "group__name", "title"]
    autocomplete_fields = ["person", "group"]
    list_select_related = ["person", "group"]
    fieldsets = [
        (None, {"fields": ["person", "group", "kind", "title", "publication_status"]}),
        ("Dates", {"fields": [("started", "started_precision"), ("ended", "ended_precision"), ("as_of", "as_of_precision")]}),
    ]
    inlines = [CitationInline]


@admin.register(SizeEstimate)
class SizeEstimateAdmin(CuratedAdmin):
    list_display = ["group", "low", "high", "counted", "as_of", "estimated_by", "publication_status"]
    list_filter = ["publication_status"]
    search_fields = ["group__name", "estimated_by", "description"]
    autocomplete_fields = ["group"]
    list_select_related = ["group"]
    fieldsets = [
        (None, {"fields": ["group", ("low", "high"), "qualifier", "counted", "publication_status"]}),
        ("Who and when", {"fields": ["estimated_by", ("as_of", "as_of_precision"), "description"]}),
    ]
    inlines = [CitationInline]


class SectionCitationInline(CitationInline):
    """A section's own citations, each with the marker that cites it in the text."""

    fields = [*CitationInline.fields, "marker"]
    readonly_fields = ["marker"]

    @admin.display(description="marker to copy into the text")
    def marker(self, citation):
        return format_html("<code>{}</code>", marker_for(citation.pk)) if citation.pk else "(save to get its marker)"


@admin.register(GroupSection)
class GroupSectionAdmin(CuratedAdmin):
    """A profile section in prose: its text cites with markers (`[cite:123]`); the preview shows it as readers will,
    with its footnotes and the quotes they lead to."""

    list_display = ["group", "topic", "heading", "publication_status", "updated_at"]
    list_filter = ["publication_status", "topic"]
    search_fields = ["group__name", "heading", "text"]
    autocomplete_fields = ["group"]
    list_select_related = ["group"]
    readonly_fields = ["preview", "group_citations"]
    fieldsets = [
        (None, {"fields": ["group", "topic", "heading", "publication_status"]}),
        ("Text", {"fields": ["text", "preview"]}),
        ("Other citations of the group this text may cite", {"fields": ["group_citations"], "classes": ["collapse"]}),
    ]
    inlines = [SectionCitationInline]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "text":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 16, "cols": 100})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="preview")
    def preview(self, section):
        """The text as saved (for an editor, the version awaiting review), as readers will see it: drafts included,
        each marked so."""
        if section.pk is None:
            return "Save the section to preview it with its footnotes."
        return render_to_string("admin/groups/section_preview.html", {"preview": section_preview(section)})

    @admin.display(description="markers")
    def group_citations(self, section):
        if section.pk is None or not section.group_id:
            return "Choose the group and save to list them."
        preview = section_preview(section)
        return render_to_string(
            "admin/groups/section_citations.html", {"citations": preview.group_citations, "more": preview.more_citations}
        )


class AttributionInline(CuratedInline):
    model = Attribution
    extra = 1
    fields = ["group", "kind", "attributed_by", "description", "publication_status"]
    autocomplete_fields = ["group"]

    def initial_rows(self, request) -> list[dict]:
        """A new attack opened from a source's mentions starts with a row for the group the sentence names."""
        group_id = as_id(request.GET.get("attribution_group", ""))
        return [{"group": group_id}] if group_id else []


@admin.register(Attack)
class AttackAdmin(CuratedAdmin):
    list_display = ["title", "date", "country", "attack_type", "killed", "publication_status"]
    list_filter = ["publication_status", ("country", CountryFilter), "attack_type", "target_type", ("date", admin.DateFieldListFilter)]
    search_fields = ["title", "slug", "locality", "province", "description"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "date"
    fieldsets = [
        (None, {"fields": ["title", "slug", "publication_status"]}),
        ("When", {"fields": [("date", "date_precision"), "end_date", ("date_earliest", "date_latest")]}),
        ("Where", {"fields": ["locality", "district", "province", "country", ("latitude", "longitude")]}),
        ("What (GTD coding)", {"fields": ["attack_type", "target_type", "weapon_type", "suicide"]}),
        ("Casualties as reported", {"fields": [("killed", "killed_qualifier"), ("wounded", "wounded_qualifier")]}),
        (None, {"fields": ["description", "perpetrator_description"]}),
    ]
    inlines = [AttributionInline, CitationInline]


@admin.register(Attribution)
class AttributionAdmin(CuratedAdmin):
    list_display = ["attack", "kind", "group", "attributed_by", "publication_status"]
    list_filter = ["publication_status", "kind"]
    search_fields = ["attack__title", "group__name", "attributed_by"]
    autocomplete_fields = ["attack", "group"]
    list_select_related = ["attack", "group"]
    inlines = [CitationInline]


class ProfileVersionDecisionForm(forms.ModelForm):
    """Names the group and the version as a Reviewer finds them on the site: an address, or a slug or id."""

    group = forms.CharField(label="group", help_text="The group's address (slug) or id; a deleted group's too.")
    version = forms.CharField(
        label="version",
        required=False,
        help_text="To withdraw one version: its address or key, as the profile's change log links it (…/as-of/20261121T052346Z/).",
    )
    decided_by = None  # the user, set per request by the admin

    class Meta:
        model = ProfileVersionDecision
        fields = ["decision", "reason"]
        widgets = {"decision": forms.RadioSelect}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.instance = profile_version_decision(
                group=data["group"], version=data["version"], decision=data["decision"], reason=data["reason"], user=self.decided_by
            )
        except ValidationError as error:
            self.add_error(None, error)
        return data


@admin.register(GtdPerpetratorName)
class GtdPerpetratorNameAdmin(CuratedAdmin):
    """The names the GTD import reads, kept like curated records (a reason on every change, history, restore); there is
    nothing to publish."""

    list_display = ["name", "group", "generic", "note", "updated_at"]
    list_filter = ["generic"]
    search_fields = ["name", "group__name", "note"]
    autocomplete_fields = ["group"]
    fields = ["name", "group", "generic", "note"]
    list_select_related = ["group"]


@admin.register(ProfileVersionDecision)
class ProfileVersionDecisionAdmin(admin.ModelAdmin):
    """Reviewers withdraw a version of a profile, or keep a withdrawn group's versions readable; deleting the decision
    undoes it. Decisions are not edited: who decided and when stay as recorded."""

    form = ProfileVersionDecisionForm
    list_display = ["group_slug", "decision", "moment", "decided_by", "created_at"]
    list_filter = ["decision"]
    search_fields = ["group_slug", "reason"]
    readonly_fields = ["group_id", "group_slug", "decision", "moment", "reason", "decided_by", "created_at"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.decided_by = request.user
        return form

    def get_fields(self, request, obj=None):
        return ["group", "version", "decision", "reason"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("groups.publish_group")

    def has_add_permission(self, request):
        return request.user.has_perm("groups.publish_group")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("groups.publish_group")


class TheatreGroupInline(CuratedInline):
    """The groups a theatre's map draws beside those of its countries."""

    model = TheatreGroup
    extra = 1
    verbose_name_plural = "Groups on the map (beside every group operating in its countries)"
    fields = ["group", "publication_status"]
    autocomplete_fields = ["group"]


@admin.register(Theatre)
class TheatreAdmin(CuratedAdmin):
    list_display = ["name", "start_year", "end_year", "publication_status"]
    list_filter = ["publication_status"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "publication_status"]}),
        ("What the map covers", {"fields": ["countries", ("start_year", "end_year")]}),
    ]
    inlines = [TheatreGroupInline]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "countries":
            kwargs["widget"] = FilteredSelectMultiple("countries", is_stacked=True)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(TheatreGroup)
class TheatreGroupAdmin(CuratedAdmin):
    list_display = ["theatre", "group", "publication_status"]
    list_filter = ["publication_status", "theatre"]
    search_fields = ["theatre__name", "group__name"]
    autocomplete_fields = ["group"]
    list_select_related = ["theatre", "group"]
