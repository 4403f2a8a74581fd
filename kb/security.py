"""Who is asking: the client address that login lockouts are counted against."""

from ipaddress import ip_address

from django.conf import settings


def client_ip_address(request) -> str | None:
    """REMOTE_ADDR, or behind `TRUSTED_PROXY_COUNT` proxies the address the outermost of them saw (the N-th from the
    right of X-Forwarded-For, as DRF's throttle picks it). Whatever a client writes into X-Forwarded-For itself ends
    up further left and is ignored, so a forged header neither escapes a lockout nor locks out someone else."""
    remote_addr = request.META.get("REMOTE_ADDR")
    if not settings.TRUSTED_PROXY_COUNT:
        return remote_addr
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if not hops:
        return remote_addr
    candidate = hops[-min(settings.TRUSTED_PROXY_COUNT, len(hops))]
    try:
        return str(ip_address(candidate))
    except ValueError:  # a misconfigured proxy chain; the database stores addresses only
        return remote_addr
