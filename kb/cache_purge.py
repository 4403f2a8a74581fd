"""Purging a CDN by cache tag after a write commits (kb/cache.py calls `purge` with the tags it bumped).

`CACHE_PURGE_BACKEND` chooses: "none", "fastly" (POST /service/<id>/purge with a Surrogate-Key header), "cloudflare"
(POST /zones/<id>/purge_cache with {"tags": [...]}) or "varnish" (PURGE with an xkey header, for vmod_xkey). The tag
`all` purges everything. A failure is logged, never raised: the editor's change is committed already, and the
CDN's own time-to-live bounds what it keeps.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings

logger = logging.getLogger(__name__)
TIMEOUT = 5  # seconds
BATCH = 256  # tags per request (Fastly takes 256 keys a request; Cloudflare 100 tags for most plans, batched below)


def send(request: urllib.request.Request) -> int:
    """The transport: one HTTP request, its status."""
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (the URL comes from the settings)
        return response.status


class PurgeBackend:
    def requests(self, tags: list[str]) -> list[urllib.request.Request]:
        raise NotImplementedError


class Fastly(PurgeBackend):
    def requests(self, tags):
        base = f"{settings.FASTLY_API_URL.rstrip('/')}/service/{settings.FASTLY_SERVICE_ID}"
        headers = {"Fastly-Key": settings.FASTLY_API_TOKEN, "Accept": "application/json"}
        if "all" in tags:
            return [urllib.request.Request(f"{base}/purge_all", method="POST", headers=headers)]
        return [
            urllib.request.Request(f"{base}/purge", method="POST", headers={**headers, "Surrogate-Key": " ".join(chunk)})
            for chunk in _chunks(tags, BATCH)
        ]


class Cloudflare(PurgeBackend):
    def requests(self, tags):
        url = f"{settings.CLOUDFLARE_API_URL.rstrip('/')}/zones/{settings.CLOUDFLARE_ZONE_ID}/purge_cache"
        headers = {"Authorization": f"Bearer {settings.CLOUDFLARE_API_TOKEN}", "Content-Type": "application/json"}
        bodies = [{"purge_everything": True}] if "all" in tags else [{"tags": chunk} for chunk in _chunks(tags, 100)]
        return [urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers) for body in bodies]


class Varnish(PurgeBackend):
    def requests(self, tags):
        url = settings.VARNISH_PURGE_URL
        if "all" in tags:  # a ban on every object (the VCL maps BAN to ban("obj.status != 0") or similar)
            return [urllib.request.Request(url, method="BAN", headers={"X-Ban-All": "1"})]
        return [urllib.request.Request(url, method="PURGE", headers={"xkey": " ".join(chunk)}) for chunk in _chunks(tags, BATCH)]


BACKENDS = {"fastly": Fastly, "cloudflare": Cloudflare, "varnish": Varnish}


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def purge(tags) -> None:
    """Ask the CDN to drop what carries these tags; log, never raise."""
    backend = BACKENDS.get(getattr(settings, "CACHE_PURGE_BACKEND", "none"))
    if backend is None or not tags:
        return
    for request in backend().requests(sorted(tags)):
        try:
            status = send(request)
        except urllib.error.HTTPError as error:
            status = error.code
        except Exception:
            logger.exception("Purging %s at the CDN failed", request.full_url)
            continue
        if status >= 300:
            logger.error("Purging %s at the CDN answered %s", request.full_url, status)
