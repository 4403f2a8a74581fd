"""What every curated model's admin shares: a required reason on every write, history, and publishing rights."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from simple_history.admin import SimpleHistoryAdmin

from kb.history import changes_between, comparable, latest_revision, revision, tracked_fields
from kb.models import as_id
from kb.services import RESTORE_ORDER, RestoreError, record_delete, record_restore, record_save

CHANGE_REASON_HELP = "Why you are making this change (kept in the history with your name), e.g. “Added spelling used by Dawn”."


def _shown(value) -> str:
    text = "empty" if value in (None, "", []) else f"“{value}”"
    return text if len(text) <= 200 else text[:199] + "…”"


class EditConflictForm(forms.ModelForm):
    """No lost updates: a save is checked against the revision the editor opened.

    When someone else saved the record in between, the fields only they changed keep their
    values (the editor's form still held the old ones), and the fields both changed stop the
    save with an edit-conflict message that shows the three versions. The form then carries
    the newer revision, so saving again knowingly replaces their values with the editor's.
    """

    loaded_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["loaded_revision"] = latest_revision(self.instance)

    def clean(self):
        cleaned = super().clean()
        loaded = cleaned.get("loaded_revision")
        if not self.instance.pk or loaded is None:
            return cleaned
        current = latest_revision(self.instance)
        if current == loaded:
            return cleaned
        model = type(self.instance)
        base = revision(model, self.instance.pk, loaded)
        fields = [field for field in tracked_fields(model) if field.name in self.fields]
        if base is None:
            raise ValidationError("The version you opened is not in this record's history; reload the page.")
        theirs = changes_between(base, self.instance, fields)  # self.instance holds the record as saved now
        mine = {
            field.name
            for field in fields
            if field.name in cleaned and comparable(field, cleaned[field.name]) != comparable(field, field.value_from_object(base))
        }
        both = [theirs[name] for name in theirs if name in mine]
        if both:
            self.data = self.data.copy()
            self.data[self.add_prefix("loaded_revision")] = current  # a second save is a deliberate choice
            latest = model.history.get(history_id=current)
            who = getattr(latest.history_user, "username", "someone")
            details = "; ".join(
                f"{change.label}: they changed {_shown(change.before)} to {_shown(change.after)}, "
                f"yours is {_shown(cleaned[change.field.name])}"
                for change in both
            )
            raise ValidationError(
                f"Edit conflict: {who} saved this record at {latest.history_date:%H:%M:%S} UTC (reason: “{latest.history_change_reason}”) "
                f"while you were editing it. Both of you changed — {details}. Nothing was saved. Keep their version by reloading "
                "the page, or save again to replace it with yours.",
                code="edit_conflict",
            )
        for name, change in theirs.items():
            cleaned[name] = change.after  # only they changed it: keep their value, not the one the form still held
        return cleaned


class ChangeReasonForm(EditConflictForm):
    change_reason = forms.CharField(
        label="Reason for this change",
        max_length=500,
        required=True,
        help_text=CHANGE_REASON_HELP,
        widget=forms.TextInput(attrs={"size": 80}),
    )


def _can_publish(request, model) -> bool:
    opts = model._meta
    return request.user.has_perm(f"{opts.app_label}.publish_{opts.model_name}")


class PublishingRightsMixin:
    """Only users with the model's `publish_*` permission may change its publication status."""

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not _can_publish(request, self.model):
            readonly.append("publication_status")
        return readonly


class CuratedInline(PublishingRightsMixin, admin.TabularInline):
    form = EditConflictForm
    extra = 0
    show_change_link = True

    def get_fieldsets(self, request, obj=None):
        *others, (name, options) = super().get_fieldsets(request, obj)
        return [*others, (name, {**options, "fields": [*options["fields"], "loaded_revision"]})]


class CuratedAdmin(PublishingRightsMixin, SimpleHistoryAdmin):
    """Saves, inline saves, deletes and history reverts all go through `kb.services` with the editor's reason."""

    form = ChangeReasonForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # a URL typed without a scheme is https
    delete_confirmation_template = "admin/curated_delete_confirmation.html"
    change_list_template = "admin/curated_change_list.html"
    history_list_per_page = 50

    def get_fieldsets(self, request, obj=None):
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            fields = [f for f in options.get("fields", ()) if f not in ("change_reason", "loaded_revision")]
            fieldsets.append((name, {**options, "fields": fields}))
        return [*fieldsets, ("Reason", {"fields": ["change_reason", "loaded_revision"]})]

    def get_actions(self, request):
        # Bulk deletion cannot ask for a reason; records are deleted one at a time.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            # The services refused what the form accepted: the whole save was rolled back.
            self.message_user(request, f"Nothing was saved: {' '.join(error.messages)}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        record_save(instance=obj, user=request.user, reason=form.cleaned_data["change_reason"])

    def get_formset_kwargs(self, request, obj, inline, prefix):
        """A new record's inlines may start with rows filled in from the address (`initial_rows` on the inline)."""
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        initial_rows = getattr(inline, "initial_rows", None)
        if request.method == "GET" and obj.pk is None and initial_rows is not None:
            kwargs["initial"] = initial_rows(request)
        return kwargs

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        staying = any(name in request.POST for name in ("_continue", "_addanother", "_saveasnew", IS_POPUP_VAR))
        back = None if staying or response.status_code != 302 else self.after_add_url(request, obj)
        return HttpResponseRedirect(back) if back else response

    def after_add_url(self, request, obj) -> str | None:
        """Where a plain save of a new record leads: the page that sent the editor here (`?next=`), if it is ours."""
        back = request.GET.get("next", "")
        if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            return back
        return None

    def save_formset(self, request, form, formset, change):
        reason = form.cleaned_data["change_reason"]
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            record_delete(instance=obj, user=request.user, reason=reason)
        for obj in instances:
            record_save(instance=obj, user=request.user, reason=reason)
        formset.save_m2m()

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "POST" and not request.POST.get("change_reason", "").strip():
            # Show the confirmation again, asking for the reason, instead of deleting.
            request.method, request.POST = "GET", QueryDict()
            extra_context = {**(extra_context or {}), "change_reason_error": "Give a reason for deleting this record."}
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        record_delete(instance=obj, user=request.user, reason=request.POST["change_reason"])

    def history_view(self, request, object_id, extra_context=None):
        _require_ids(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        _require_ids(object_id, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    # --- Deleted records and their restoration -------------------------------------------------

    def get_urls(self):
        prefix = f"{self.model._meta.app_label}_{self.model._meta.model_name}"
        return [
            path("deleted/", self.admin_site.admin_view(self.deleted_view), name=f"{prefix}_deleted"),
            path("deleted/<int:record_id>/", self.admin_site.admin_view(self.restore_view), name=f"{prefix}_restore"),
            *super().get_urls(),
        ]

    def _deletion(self, record_id: int):
        return self.model.history.filter(id=record_id, history_type="-").select_related("history_user").order_by("-history_id").first()

    def deleted_view(self, request):
        """The records of this kind that are deleted now, newest deletion first."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        latest = {}
        rows = self.model.history.filter(history_type="-").exclude(id__in=self.model.objects.values("pk"))
        for row in rows.select_related("history_user").order_by("-history_date")[:500]:
            latest.setdefault(row.id, row)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Deleted {self.model._meta.verbose_name_plural}",
            "deletions": [(row, _deleted_label(row)) for row in latest.values()],
        }
        return TemplateResponse(request, "admin/curated_deleted_list.html", context)

    def restore_view(self, request, record_id: int):
        """Restore a deleted record with everything deleted with it: same ids, one click and a reason."""
        deletion = self._deletion(record_id)
        if deletion is None or self.model.objects.filter(pk=record_id).exists():
            raise Http404(f"No deleted {self.model._meta.verbose_name} {record_id}.")
        together = deleted_together(deletion)
        if not all(request.user.has_perm(f"{row.instance._meta.app_label}.add_{row.instance._meta.model_name}") for row in together):
            raise PermissionDenied
        error = ""
        if request.method == "POST":
            reason = request.POST.get("change_reason", "").strip()
            if not reason:
                error = "Give a reason for restoring."
            else:
                try:
                    restored = record_restore(model=self.model, record_id=record_id, user=request.user, reason=reason)
                except RestoreError as refusal:
                    self.message_user(request, f"Nothing was restored: {refusal}", messages.ERROR)
                else:
                    self.message_user(request, f"Restored {len(restored)} record(s) with their ids: {deletion.instance}.", messages.SUCCESS)
                    return HttpResponseRedirect(
                        reverse(f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_change", args=[record_id])
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Restore {self.model._meta.verbose_name} “{deletion.instance}”",
            "deletion": deletion,
            "together": [(row.instance._meta.verbose_name, _deleted_label(row)) for row in together],
            "change_reason_error": error,
        }
        return TemplateResponse(request, "admin/curated_restore_confirmation.html", context)


def _deleted_label(row) -> str:
    """How a deleted record reads; one whose name needs other deleted records (an affiliation's groups) gets its id."""
    try:
        return str(row.instance)
    except ObjectDoesNotExist:
        return f"{row.instance._meta.verbose_name} {row.id}"


def deleted_together(deletion) -> list:
    """The history rows of everything deleted in the same cascade as `deletion` (they share its moment)."""
    rows = []
    for label in RESTORE_ORDER:
        model = apps.get_model(label)
        rows += list(model.history.filter(history_type="-", history_date=deletion.history_date).exclude(id__in=model.objects.values("pk")))
    return rows


def _require_ids(*values: str) -> None:
    """django-simple-history filters by whatever the URL holds, and "abc" where an id belongs would be a 500."""
    if any(as_id(unquote(value)) is None for value in values):
        raise Http404("No record has this id.")
