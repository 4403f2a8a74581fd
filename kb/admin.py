"""What every curated model's admin shares: a required reason on every write, history, and publishing rights."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from simple_history.admin import SimpleHistoryAdmin

from kb.history import changes_between, comparable, latest_revision, revision, tracked_fields
from kb.models import as_id, curated_models_parents_first
from kb.services import (
    RestoreError,
    can_publish,
    publication_checks,
    record_delete,
    record_restore,
    record_revert,
    record_save,
)
from kb.services.pending import change_set_open_to, last_rejection, pending_change_for, pending_changes_for, with_pending_values

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
    The pending version of a published record is guarded the same way (`loaded_pending`): when
    another editor changed it in between, the save stops rather than drop their pending values.
    """

    loaded_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    loaded_pending = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["loaded_revision"] = latest_revision(self.instance)
            self.initial["loaded_pending"] = _pending_stamp(self.instance)

    @cached_property
    def changed_data(self):
        """What the editor changed: the versions they opened are bookkeeping, so an untouched inline row is not saved."""
        return [name for name in super().changed_data if name not in BOOKKEEPING_FIELDS]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            self._check_pending_version(cleaned)
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
            if field.name in cleaned
            and comparable(field, cleaned[field.name]) != comparable(field, field.value_from_object(base))
            and comparable(field, cleaned[field.name]) != comparable(field, field.value_from_object(self.instance))  # not theirs too
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

    def _check_pending_version(self, cleaned) -> None:
        current, loaded = _pending_stamp(self.instance), cleaned.get("loaded_pending") or ""
        if loaded == current:
            return
        pending = getattr(self.instance, "pending_change", None)
        if pending is None:  # the version opened was decided since: approved, it is the record now (checked below)
            rejected = last_rejection(self.instance)
            if rejected is None or rejected.decided_at.isoformat() < loaded:
                return
            self.data = self.data.copy()
            self.data[self.add_prefix("loaded_pending")] = ""
            raise ValidationError(
                f"The version of this record you were editing was rejected by {rejected.decided_by} at "
                f"{rejected.decided_at:%H:%M:%S} UTC (“{rejected.decision_reason}”). Nothing was saved. Reload the page "
                "for the published version, or save again to propose yours anew.",
                code="edit_conflict",
            )
        self.data = self.data.copy()
        self.data[self.add_prefix("loaded_pending")] = current  # a second save is a deliberate choice
        raise ValidationError(
            f"Edit conflict: {pending.created_by} changed the version of this record that awaits review "
            f"({pending.updated_at:%H:%M:%S} UTC) while you were editing it. Nothing was saved. Reload the page to see it, "
            "or save again to replace it with yours.",
            code="edit_conflict",
        )


BOOKKEEPING_FIELDS = ("loaded_revision", "loaded_pending", "change_reason")


def _pending_stamp(instance) -> str:
    """Which pending version of the record a form shows: the moment it last changed, or "" for none."""
    pending = getattr(instance, "pending_change", None)
    return pending.updated_at.isoformat() if pending is not None else ""


class ChangeReasonForm(EditConflictForm):
    change_reason = forms.CharField(
        label="Reason for this change",
        max_length=500,
        required=True,
        help_text=CHANGE_REASON_HELP,
        widget=forms.TextInput(attrs={"size": 80}),
    )


def _can_publish(request, model) -> bool:
    return can_publish(request.user, model)


class PendingVersionFormSet(BaseInlineFormSet):
    """Inline rows as the editor left them: a published row with a pending change shows its pending values.
    `CuratedInline` mixes it into an inline's own formset class."""

    show_pending = False

    def get_queryset(self):
        if not hasattr(self, "_queryset"):
            rows = list(super().get_queryset())
            if self.show_pending and rows:
                pending = pending_changes_for(self.model, [row.pk for row in rows])
                for row in rows:
                    if row.pk in pending:
                        with_pending_values(row, pending[row.pk])
            self._queryset = rows
        return self._queryset


class PublishingRightsMixin:
    """Only users with the model's `publish_*` permission may change its publication status."""

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        published = any(field.name == "publication_status" for field in self.model._meta.concrete_fields)
        if published and not _can_publish(request, self.model):
            readonly.append("publication_status")
        return readonly


class CuratedInline(PublishingRightsMixin, admin.TabularInline):
    form = EditConflictForm
    formset = PendingVersionFormSet
    extra = 0
    show_change_link = True

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if not issubclass(formset, PendingVersionFormSet):
            formset = type(formset.__name__, (PendingVersionFormSet, formset), {})
        formset.show_pending = not _can_publish(request, self.model)
        return formset

    def get_fieldsets(self, request, obj=None):
        *others, (name, options) = super().get_fieldsets(request, obj)
        return [*others, (name, {**options, "fields": [*options["fields"], "loaded_revision", "loaded_pending"]})]


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
            fields = [f for f in options.get("fields", ()) if f not in BOOKKEEPING_FIELDS]
            fieldsets.append((name, {**options, "fields": fields}))
        return [*fieldsets, ("Reason", {"fields": ["change_reason", "loaded_revision", "loaded_pending"]})]

    def get_actions(self, request):
        # Bulk deletion cannot ask for a reason; records are deleted one at a time.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            # A record and its inline rows are one write: the citation rule is checked once, at its end.
            with transaction.atomic(), publication_checks():
                response = super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            # The services refused what the form accepted: the whole save was rolled back.
            self.message_user(request, f"Nothing was saved: {' '.join(error.messages)}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        self._report_pending(request)
        return response

    def get_object(self, request, object_id, from_field=None):
        """Editors see and edit the pending version of a published record; Reviewers the published one, told
        that a change awaits them."""
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            if _can_publish(request, self.model):
                obj.pending_change = pending_change_for(obj)
            else:
                with_pending_values(obj)
        return obj

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        pending = getattr(obj, "pending_change", None)
        if pending is not None and request.method == "GET":
            what = "A deletion of this record" if pending.action == "delete" else "Changes to this record"
            shown = (
                "This form shows the pending version; readers, the API and exports see the published one until a Reviewer "
                "approves. Saving again adds to the pending change."
                if not _can_publish(request, self.model)
                else "This form shows the published version; open the change set to see what would change."
            )
            review_url = reverse("admin:kb_changeset_change", args=[pending.change_set_id])
            banner = format_html(
                '{} await review in change set <a href="{}">{}</a>, by {}. {}',
                what,
                review_url,
                pending.change_set,
                pending.created_by,
                shown,
            )
            self.message_user(request, banner, messages.WARNING)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _change_set(self, request):
        """The change set an intake page or a named batch asked for (`?change_set=`), if it is open to this user."""
        if not hasattr(request, "_kb_change_set"):
            key = as_id(request.POST.get("change_set") or request.GET.get("change_set") or "")
            request._kb_change_set = change_set_open_to(key, request.user)
        return request._kb_change_set

    def _note_pending(self, request, obj, pending) -> None:
        if pending is not None:
            request.__dict__.setdefault("_kb_pending", []).append((obj, pending))

    def _report_pending(self, request) -> None:
        waiting = request.__dict__.pop("_kb_pending", [])
        if waiting:
            change_set = waiting[0][1].change_set
            records = "; ".join(f"{pending.get_action_display().lower()} “{obj}”" for obj, pending in waiting[:5])
            more = f" and {len(waiting) - 5} more" if len(waiting) > 5 else ""
            self.message_user(
                request,
                f"Awaiting review in change set {change_set}: {records}{more}. "
                "Readers see the published version until a Reviewer approves.",
                messages.WARNING,
            )

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data["change_reason"]
        if getattr(request, "_kb_revert", False):
            record_revert(instance=obj, user=request.user, reason=reason)
        else:
            record_save(instance=obj, user=request.user, reason=reason, change_set=self._change_set(request))
        self._note_pending(request, obj, getattr(obj, "pending_change", None) if change else pending_change_for(obj))

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
        instances = formset.save(commit=False)  # the rows the editor changed, added or marked for deletion
        change_set = self._change_set(request)
        for obj in formset.deleted_objects:
            self._note_pending(request, obj, record_delete(instance=obj, user=request.user, reason=reason, change_set=change_set))
        for obj in instances:
            adding = obj.pk is None
            record_save(instance=obj, user=request.user, reason=reason, change_set=change_set)
            self._note_pending(request, obj, pending_change_for(obj) if adding else getattr(obj, "pending_change", None))
        formset.save_m2m()

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "POST" and not request.POST.get("change_reason", "").strip():
            # Show the confirmation again, asking for the reason, instead of deleting.
            request.method, request.POST = "GET", QueryDict()
            extra_context = {**(extra_context or {}), "change_reason_error": "Give a reason for deleting this record."}
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        request._kb_pending_deletion = record_delete(
            instance=obj, user=request.user, reason=request.POST["change_reason"], change_set=self._change_set(request)
        )

    def response_delete(self, request, obj_display, obj_id):
        pending = getattr(request, "_kb_pending_deletion", None)
        if pending is None:
            return super().response_delete(request, obj_display, obj_id)
        self.message_user(
            request,
            f"“{obj_display}” is published, so its deletion awaits a Reviewer in change set {pending.change_set}; readers still see it.",
            messages.WARNING,
        )
        return HttpResponseRedirect(reverse(f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_change", args=[obj_id]))

    def history_view(self, request, object_id, extra_context=None):
        _require_ids(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Reverting to an older version: its values come back, the record's status stays (kb.services.record_revert)."""
        _require_ids(object_id, version_id)
        request._kb_revert = True
        try:
            with transaction.atomic(), publication_checks():
                response = super().history_form_view(request, object_id, version_id, extra_context)
        except ValidationError as error:
            self.message_user(request, f"Nothing was reverted: {' '.join(error.messages)}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        self._report_pending(request)
        return response

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
                    drafts = sum(1 for record in restored if not getattr(record, "is_published", True))  # an audited record has no status
                    note = f" {drafts} came back as drafts, awaiting review before readers see them." if drafts else ""
                    self.message_user(
                        request, f"Restored {len(restored)} record(s) with their ids: {deletion.instance}.{note}", messages.SUCCESS
                    )
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
    for model in curated_models_parents_first():
        rows += list(model.history.filter(history_type="-", history_date=deletion.history_date).exclude(id__in=model.objects.values("pk")))
    return rows


def _require_ids(*values: str) -> None:
    """django-simple-history filters by whatever the URL holds, and "abc" where an id belongs would be a 500."""
    if any(as_id(unquote(value)) is None for value in values):
        raise Http404("No record has this id.")


from kb import admin_review  # noqa: E402,F401  (registers the review queue)
