"""What every curated model's admin shares: a required reason on every write, history, and publishing rights."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpResponseRedirect, QueryDict
from simple_history.admin import SimpleHistoryAdmin

from kb.models import as_id
from kb.services import record_delete, record_save

CHANGE_REASON_HELP = "Why you are making this change (kept in the history with your name), e.g. “Added spelling used by Dawn”."


class ChangeReasonForm(forms.ModelForm):
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
    extra = 0
    show_change_link = True


class CuratedAdmin(PublishingRightsMixin, SimpleHistoryAdmin):
    """Saves, inline saves, deletes and history reverts all go through `kb.services` with the editor's reason."""

    form = ChangeReasonForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # a URL typed without a scheme is https
    delete_confirmation_template = "admin/curated_delete_confirmation.html"
    history_list_per_page = 50

    def get_fieldsets(self, request, obj=None):
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            fields = [f for f in options.get("fields", ()) if f != "change_reason"]
            fieldsets.append((name, {**options, "fields": fields}))
        return [*fieldsets, ("Reason", {"fields": ["change_reason"]})]

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


def _require_ids(*values: str) -> None:
    """django-simple-history filters by whatever the URL holds, and "abc" where an id belongs would be a 500."""
    if any(as_id(unquote(value)) is None for value in values):
        raise Http404("No record has this id.")
