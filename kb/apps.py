from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = "Knowledge base"

    def ready(self):
        from django.core.signals import request_finished, request_started
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_delete, post_init, post_migrate, post_save, pre_delete, pre_save
        from simple_history.signals import pre_create_historical_record

        from .audit import require_user_and_reason
        from .cache import cache_forgotten, record_written, remember_loaded, request_began, run_after_response, tags_bumped
        from .history import dated_as_saved
        from .models import curated_models
        from .operations.database import read_timestamps_in_c

        connection_created.connect(read_timestamps_in_c, dispatch_uid="kb.database.timestamps")
        pre_save.connect(require_user_and_reason, dispatch_uid="kb.audit.save")
        pre_delete.connect(require_user_and_reason, dispatch_uid="kb.audit.delete")
        pre_create_historical_record.connect(dated_as_saved, dispatch_uid="kb.history.dated_as_saved")
        for model in curated_models():
            post_init.connect(remember_loaded, sender=model, dispatch_uid=f"kb.cache.init.{model._meta.label}")
            post_save.connect(record_written, sender=model, dispatch_uid=f"kb.cache.save.{model._meta.label}")
            post_delete.connect(record_written, sender=model, dispatch_uid=f"kb.cache.delete.{model._meta.label}")
        # A page kept in the cache is written once its response is sent (`kb.cache.after_response`).
        request_started.connect(request_began, dispatch_uid="kb.cache.request_began")
        request_finished.connect(run_after_response, dispatch_uid="kb.cache.after_response")
        # A migration may rewrite data without signals: whatever was cached or prebuilt before it is stale.
        post_migrate.connect(_after_migrate, dispatch_uid="kb.cache.migrate")
        # Prebuilt pages: built again after the writes that change them, forgotten after a restore.
        tags_bumped.connect(_refresh_prebuilt, dispatch_uid="kb.prebuilt.refresh")
        cache_forgotten.connect(_forget_prebuilt, dispatch_uid="kb.prebuilt.forget")
        # The code this process builds pages with, read now: files changed under it later are not what it runs.
        from .prebuilt import code_version

        code_version()


def _after_migrate(sender, using="default", **kwargs):
    from django.db import connections

    from .cache import bump_data_version

    if sender.name != "kb":
        return
    tables = connections[using].introspection.table_names()
    if "kb_cache_tag" in tables:
        bump_data_version()
    if "kb_prebuilt_page" in tables:
        _forget_prebuilt(sender)


def _refresh_prebuilt(sender, tags, **kwargs):
    from .prebuilt import refresh

    refresh(tags)


def _forget_prebuilt(sender, **kwargs):
    from .prebuilt import forget_all

    forget_all()
