from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = "Knowledge base"

    def ready(self):
        from django.db.models.signals import post_delete, post_init, post_migrate, post_save, pre_delete, pre_save
        from simple_history.signals import pre_create_historical_record

        from .audit import require_user_and_reason
        from .cache import record_written, remember_loaded
        from .history import dated_as_saved
        from .models import curated_models

        pre_save.connect(require_user_and_reason, dispatch_uid="kb.audit.save")
        pre_delete.connect(require_user_and_reason, dispatch_uid="kb.audit.delete")
        pre_create_historical_record.connect(dated_as_saved, dispatch_uid="kb.history.dated_as_saved")
        for model in curated_models():
            post_init.connect(remember_loaded, sender=model, dispatch_uid=f"kb.cache.init.{model._meta.label}")
            post_save.connect(record_written, sender=model, dispatch_uid=f"kb.cache.save.{model._meta.label}")
            post_delete.connect(record_written, sender=model, dispatch_uid=f"kb.cache.delete.{model._meta.label}")
        # A migration may rewrite data without signals: whatever was cached before it is stale.
        post_migrate.connect(_after_migrate, dispatch_uid="kb.cache.migrate")


def _after_migrate(sender, using="default", **kwargs):
    from django.db import connections

    from .cache import bump_data_version

    if sender.name == "kb" and "kb_cache_tag" in connections[using].introspection.table_names():
        bump_data_version()
