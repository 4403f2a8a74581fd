"""One scaled-out site for the whole session (tests/scaleout/cluster.py): a primary, its streaming replica, Redis and
two gunicorn nodes, all stopped and removed at the end however the tests went."""

import pytest

from tests.scaleout.cluster import Cluster

# Low enough for a test to reach, from addresses of its own (TRUSTED_PROXY_COUNT=1 lets each test name its client).
API_RATE = 20


@pytest.fixture(scope="session")
def cluster():
    site = Cluster(nodes=2, workers=2, API_ANONYMOUS_RATE=f"{API_RATE}/minute")
    try:
        yield site
    finally:
        site.close()
