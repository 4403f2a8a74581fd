from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "Groups, relationships and attacks"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from kb.cache import bump_data_version

        from .models import ProfileVersionDecision

        # Not curated, but it decides what the public versions show: a withdrawal takes effect at once.
        post_save.connect(bump_data_version, sender=ProfileVersionDecision, dispatch_uid="groups.cache.save.versiondecision")
        post_delete.connect(bump_data_version, sender=ProfileVersionDecision, dispatch_uid="groups.cache.delete.versiondecision")
