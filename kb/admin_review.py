"""The review queue: change sets awaiting a Reviewer, each opened as one page of field-by-field diffs with one
reason to approve or reject all or some of them. The decisions are `kb.services.review`'s."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.timesince import timesince

from kb.models import ChangeSet, CuratedModel, PendingAction, ReviewStatus, as_id
from kb.services import change_set_approve, change_set_reject, change_set_start
from kb.services.pending import pending_diff
from kb.services.review import reviewer_refusal

SHOWN_ON_ONE_PAGE = 200


class AwaitingReviewFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("pending", "Awaiting review"), ("decided", "Decided")]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.filter(pending_count__gt=0)
        if self.value() == "decided":
            return queryset.filter(pending_count=0)
        return queryset


class RecordKindFilter(admin.SimpleListFilter):
    title = "kind of record"
    parameter_name = "model"

    def lookups(self, request, model_admin):
        curated = [ct for ct in ContentType.objects.order_by("app_label", "model") if issubclass(ct.model_class() or object, CuratedModel)]
        return [(str(ct.pk), ct.model_class()._meta.verbose_name_plural) for ct in curated]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(changes__content_type_id=int(self.value()), changes__status=ReviewStatus.PENDING).distinct()
        return queryset


def _record_url(model, object_id) -> str | None:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[object_id])
    except NoReverseMatch:
        return None


@admin.register(ChangeSet)
class ChangeSetAdmin(admin.ModelAdmin):
    """Editors see the queue and name their batches; Reviewers decide."""

    list_display = ["__str__", "kind", "created_by", "created_at", "pending", "age"]
    list_filter = [AwaitingReviewFilter, "kind", "created_by", RecordKindFilter]
    search_fields = ["title"]
    search_help_text = "Search by title (an intake's title names its source)."
    fields = ["title"]
    list_per_page = 50

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("created_by")
            .annotate(pending_count=Count("changes", filter=Q(changes__status=ReviewStatus.PENDING)))
        )

    @admin.display(description="awaiting review", ordering="pending_count")
    def pending(self, obj) -> int:
        return obj.pending_count

    @admin.display(description="age")
    def age(self, obj) -> str:
        return timesince(obj.created_at, timezone.now())

    def changelist_view(self, request, extra_context=None):
        if "review" not in request.GET and not request.GET.get("q"):
            query = request.GET.copy()
            query["review"] = "pending"
            return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
        return super().changelist_view(request, extra_context)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return False  # a change set is decided on its review page, not edited

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        started = change_set_start(user=request.user, title=obj.title)
        obj.pk, obj.created_by, obj.created_at = started.pk, started.created_by, started.created_at

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(request, f"Your changes now go into change set {obj}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:kb_changeset_changelist"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The review page: every pending change's diff against the published version, and one decision."""
        change_set = ChangeSet.objects.select_related("created_by").filter(pk=as_id(str(object_id))).first()
        if change_set is None:
            raise Http404("No such change set.")
        if not self.has_view_permission(request):
            raise PermissionDenied
        pending = change_set.changes.filter(status=ReviewStatus.PENDING).select_related("content_type", "created_by")
        may_review = pending.exists() and reviewer_refusal(change_set, request.user) is None
        error = ""
        if request.method == "POST":
            if not may_review:
                raise PermissionDenied
            decide = change_set_approve if "_approve" in request.POST else change_set_reject if "_reject" in request.POST else None
            chosen = [int(value) for value in request.POST.getlist("change") if value.isdigit()] or None
            if decide is None:
                error = "Choose Approve or Reject."
            else:
                try:
                    decision = decide(change_set=change_set, user=request.user, reason=request.POST.get("reason", ""), change_ids=chosen)
                except ValidationError as refusal:
                    error = " ".join(refusal.messages)
                else:
                    verb = "Approved" if decide is change_set_approve else "Rejected"
                    skipped = f" ({decision.skipped} no longer applied)" if decision.skipped else ""
                    self.message_user(request, f"{verb} {decision.applied} change(s) of {change_set}{skipped}.", messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:kb_changeset_changelist"))
        counts = {
            (row["content_type"], row["action"]): row["count"]
            for row in pending.values("content_type", "action").annotate(count=Count("id")).order_by()
        }
        entries = []
        rows = list(pending[:SHOWN_ON_ONE_PAGE])
        by_model: dict = {}
        for row in rows:
            by_model.setdefault(row.content_type.model_class(), []).append(row.object_id)
        records = {
            (model, record.pk): record for model, ids in by_model.items() for record in model.objects.filter(pk__in=ids)
        }  # one query per kind of record
        for row in rows:
            model = row.content_type.model_class()
            record = records.get((model, row.object_id))
            entries.append(
                {
                    "change": row,
                    "model": model._meta.verbose_name,
                    "record": record if record is not None else f"{model._meta.verbose_name} {row.object_id} (deleted since)",
                    "url": _record_url(model, row.object_id) if record is not None else None,
                    "diff": pending_diff(row, record) if record is not None else [],
                }
            )
        summary = [
            (ContentType.objects.get_for_id(content_type).model_class()._meta.verbose_name_plural, PendingAction(action).label, count)
            for (content_type, action), count in sorted(counts.items())
        ]
        decided = change_set.changes.exclude(status=ReviewStatus.PENDING).values("status").annotate(count=Count("id")).order_by("status")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Review change set {change_set}",
            "change_set": change_set,
            "entries": entries,
            "total": sum(counts.values()),
            "shown": len(entries),
            "summary": summary,
            "decided": list(decided),
            "may_review": may_review,
            "error": error,
            "reason": request.POST.get("reason", "") if request.method == "POST" else "",
        }
        return TemplateResponse(request, "admin/review_change_set.html", context)
