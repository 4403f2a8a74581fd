"""WSGI entry point for gunicorn: `gunicorn kb.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings.production")

application = get_wsgi_application()
