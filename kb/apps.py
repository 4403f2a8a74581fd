from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = "Knowledge base"

    def ready(self):
        from django.db.models.signals import pre_delete, pre_save

        from .audit import require_user_and_reason

        pre_save.connect(require_user_and_reason, dispatch_uid="kb.audit.save")
        pre_delete.connect(require_user_and_reason, dispatch_uid="kb.audit.delete")
