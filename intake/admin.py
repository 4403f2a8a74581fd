"""The intake pages of a source in the admin: its Mentions page (the groups its text names, each sentence ready to be
cited or to start a new draft record) and the Cite action. They join the Source admin that `sources` registers."""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from kb.models import as_id
from kb.services import intake_change_set
from sources.admin import CITATION_QUOTE_PARAMETER, CITATION_SOURCE_PARAMETER, SourceAdmin
from sources.models import CITATION_TARGETS, Citation, Source
from sources.services import citation_upsert

from .selectors import source_mentions


def _marked(sentence, places) -> list[tuple[str, bool]]:
    """The sentence cut into (text, is a name) parts, for the names in `places` (anything with start and end) that it holds."""
    parts, at = [], sentence.start
    for place in sorted(places, key=lambda place: place.start):
        if sentence.start <= place.start and place.end <= sentence.end and place.start >= at:
            parts += [(sentence.text[at - sentence.start : place.start - sentence.start], False)]
            parts += [(sentence.text[place.start - sentence.start : place.end - sentence.start], True)]
            at = place.end
    return [*parts, (sentence.text[at - sentence.start :], False)]


def _new_record_url(model_name: str, source: Source, quote: str, *, back: str, change_set=None, **initial) -> str:
    query = {**initial, CITATION_SOURCE_PARAMETER: source.pk, CITATION_QUOTE_PARAMETER: quote, "next": back}
    if change_set is not None:
        query["change_set"] = change_set.pk  # what is made from the source joins its intake, for one review
    return f"{reverse(f'admin:groups_{model_name}_add')}?{urlencode(query)}"


class CiteSentenceForm(forms.Form):
    """A sentence of a source, cited for one record from its mentions page."""

    target = forms.CharField()
    quote = forms.CharField(strip=False)
    group = forms.IntegerField(required=False)
    change_reason = forms.CharField(max_length=500, error_messages={"required": "Give a reason; it is kept in the history."})

    def clean_target(self):
        kind, _, record_id = self.cleaned_data["target"].partition(":")
        record_id = as_id(record_id)
        if kind not in CITATION_TARGETS or record_id is None:
            raise ValidationError("Choose the record the sentence supports.")
        target = Citation._meta.get_field(kind).related_model.objects.filter(pk=record_id).first()
        if target is None:
            raise ValidationError("That record no longer exists.")
        return target


class SourceIntakeAdmin(SourceAdmin):
    """The Source admin with its intake pages."""

    def get_urls(self):
        return [
            path("<path:object_id>/mentions/", self.admin_site.admin_view(self.mentions_view), name="sources_source_mentions"),
            path("<path:object_id>/mentions/cite/", self.admin_site.admin_view(self.cite_view), name="sources_source_cite"),
            *super().get_urls(),
        ]

    def _source(self, request, object_id: str) -> Source:
        source = self.get_object(request, unquote(object_id)) if as_id(unquote(object_id)) is not None else None
        if source is None:
            raise Http404("No source has this id.")
        if not self.has_view_or_change_permission(request, source):
            raise PermissionDenied
        return source

    def mentions_view(self, request, object_id):
        """The groups the source names, each sentence ready to be cited or to start a new draft; and possible new names."""
        source = self._source(request, object_id)
        page = source_mentions(source)
        here = reverse("admin:sources_source_mentions", args=[source.pk])
        intake = intake_change_set(source)
        may_add = {name: request.user.has_perm(f"groups.add_{name}") for name in ("group", "alias", "affiliation", "attack")}

        def rows(sentences, places, starts):
            """Each sentence, its names marked, with links that open a new record's page holding it as a citation."""
            return [
                {
                    "sentence": sentence,
                    "parts": _marked(sentence, places),
                    "new_records": [
                        (label, _new_record_url(model_name, source, sentence.text, back=here, change_set=intake, **initial))
                        for label, model_name, initial in starts
                        if may_add[model_name]
                    ],
                }
                for sentence in sentences
            ]

        groups = [
            {
                "entry": entry,
                "rows": rows(
                    entry.found.sentences,
                    entry.found.mentions,
                    [
                        ("New alias", "alias", {"group": entry.group.pk}),
                        ("New relationship", "affiliation", {"from_group": entry.group.pk}),
                        ("New attack", "attack", {"attribution_group": entry.group.pk}),
                    ],
                ),
            }
            for entry in page.groups
        ]
        ambiguous = [{"entry": entry, "rows": rows(entry.found.sentences, entry.found.mentions, [])} for entry in page.ambiguous]
        possible_names = [
            {
                "name": possible,
                "rows": rows(
                    possible.sentences,
                    possible.places,
                    [("New group", "group", {"name": possible.name}), ("New alias", "alias", {"name": possible.name})],
                ),
            }
            for possible in page.possible_names
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": source,
            "title": f"What “{source.display_title}” names",
            "page": page,
            "groups": groups,
            "ambiguous": ambiguous,
            "possible_names": possible_names,
            "may_cite": request.user.has_perm("sources.add_citation"),
            "intake": intake,
            "default_reason": f"Quoted from {source.outlet or 'the source'}: {source.display_title}"[:500],
        }
        return TemplateResponse(request, "admin/sources/source/mentions.html", context)

    def cite_view(self, request, object_id):
        """Cite one sentence of the source for a record (a draft citation, with the editor's reason in its history)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        source = self._source(request, object_id)
        if not request.user.has_perm("sources.add_citation"):
            raise PermissionDenied
        form = CiteSentenceForm(request.POST)
        back = reverse("admin:sources_source_mentions", args=[source.pk])
        if not form.is_valid():
            problems = " ".join(error for errors in form.errors.values() for error in errors)
            self.message_user(request, f"Nothing was cited: {problems}", messages.ERROR)
            return HttpResponseRedirect(back)
        data = form.cleaned_data
        if data["group"]:
            back += f"#group-{data['group']}"
        target = data["target"]
        try:
            citation, written = citation_upsert(
                target=target,
                source=source,
                quote=data["quote"].strip(),
                user=request.user,
                reason=data["change_reason"],
                change_set=self._change_set(request),
            )
        except ValidationError as error:
            self.message_user(request, f"Nothing was cited: {' '.join(error.messages)}", messages.ERROR)
            return HttpResponseRedirect(back)
        label = f"{target._meta.verbose_name} “{target}”"
        if written:
            self.message_user(request, f"Cited for {label}: {citation.quote} (a draft citation).", messages.SUCCESS)
        else:
            self.message_user(request, f"This sentence is already cited for {label}.", messages.INFO)
        return HttpResponseRedirect(back)


admin.site.unregister(Source)
admin.site.register(Source, SourceIntakeAdmin)
