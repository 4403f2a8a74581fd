from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = "Knowledge base"

    def ready(self):
        from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

        from .audit import require_user_and_reason
        from .cache import bump_data_version
        from .models import curated_models

        pre_save.connect(require_user_and_reason, dispatch_uid="kb.audit.save")
        pre_delete.connect(require_user_and_reason, dispatch_uid="kb.audit.delete")
        for model in curated_models():
            post_save.connect(bump_data_version, sender=model, dispatch_uid=f"kb.cache.save.{model._meta.label}")
            post_delete.connect(bump_data_version, sender=model, dispatch_uid=f"kb.cache.delete.{model._meta.label}")
