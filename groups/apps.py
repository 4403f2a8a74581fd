from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "Groups, relationships and attacks"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import ProfileVersionDecision

        # Not curated, but it decides what the public versions show: a withdrawal takes effect at once.
        post_save.connect(_decision_written, sender=ProfileVersionDecision, dispatch_uid="groups.cache.save.versiondecision")
        post_delete.connect(_decision_written, sender=ProfileVersionDecision, dispatch_uid="groups.cache.delete.versiondecision")


def _decision_written(sender, instance, **kwargs):
    """A decision names its group by id, not by a foreign key: the group's pages (its versions among them) go stale."""
    from kb.cache import invalidate_tags, record_tag

    from .models import Group

    invalidate_tags([record_tag(Group, instance.group_id)])
