FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# Cached public pages, shared by the gunicorn workers (kb/cache.py); somewhere the app user may write.
ENV PUBLIC_CACHE_DIR=/tmp/kb-public-cache
# The throttles' counters, shared by the workers the same way (kb/throttling.py); REDIS_URL moves both to Redis.
ENV THROTTLE_CACHE_DIR=/tmp/kb-throttle
# The releases manage.py build_release writes and the app serves at /releases/ (a volume in docker-compose.yml).
ENV RELEASES_ROOT=/var/lib/kb/releases
WORKDIR /app

COPY pyproject.toml README.md ./
RUN pip install .

COPY . .
# collectstatic imports the production settings, which insist on real values; none of these is used at run time.
RUN SECRET_KEY=collectstatic ALLOWED_HOSTS=localhost DATABASE_URL=postgres://collectstatic@localhost/collectstatic \
    DJANGO_SETTINGS_MODULE=kb.settings.production python manage.py collectstatic --noinput

RUN useradd --create-home --uid 1000 kb && mkdir -p /var/lib/kb/releases && chown -R kb:kb /var/lib/kb
USER kb
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn kb.wsgi --bind 0.0.0.0:8000 --workers 3 --access-logfile -"]
