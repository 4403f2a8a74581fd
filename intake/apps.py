from django.apps import AppConfig


class IntakeConfig(AppConfig):
    """Reading a new source: the groups its text names, the facts a sentence can be cited for, and the gaps."""

    name = "intake"
    verbose_name = "Source intake"
