from django.apps import AppConfig


class SampledataConfig(AppConfig):
    """Data to look at and to measure with: the curated demo set and the GTD-scale synthetic generator."""

    name = "sampledata"
    verbose_name = "Sample data"
