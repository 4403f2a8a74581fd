"""The settings `bench/throttle.py` measures as its baseline: production's, with the API throttled as it was before
the shared store, by DRF's own AnonRateThrottle in each worker's local memory."""

from kb.settings.production import *  # noqa: F403
from kb.settings.production import REST_FRAMEWORK

REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"]}
