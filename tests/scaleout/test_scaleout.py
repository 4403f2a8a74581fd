"""Two app servers behind one database primary, its streaming replica and one Redis, on loopback: what each server
writes the other shows once replicated, public reads run on the replica, a stopped replica or Redis costs no error,
and the throttles count a client's requests on both servers together."""

import itertools
import random
import time
import uuid

import pytest

from tests.scaleout.conftest import API_RATE

pytestmark = pytest.mark.scaleout

PROFILE = "/groups/islamic-state/"
_clients = (f"203.0.113.{n}" for n in itertools.count(1))


def new_client() -> str:
    """An address of the test's own, so that its requests are the only ones its throttle counts."""
    return next(_clients)


def reads_of_groups(server, since: int) -> int:
    """How many statements reading the groups table the server has run since a point in its log."""
    return sum('"groups_group"' in statement for statement in server.statements_since(since))


def wait_for(condition, seconds: float = 10, step: float = 0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return condition()


def uncached_pages(cluster, client: str) -> list[tuple[str, int]]:
    """On each node a search and an API list that no cache holds yet, and a streamed CSV export: built from the
    database. Four API requests, well within one client's API_RATE."""
    statuses = []
    for node in cluster.nodes:
        path = f"/search/?q=state-{uuid.uuid4().hex[:8]}"
        statuses.append((f"{node.name} {path}", node.get(path, client=client)[0]))
        statuses.append((f"{node.name} /api/v1/groups/", node.get(f"/api/v1/groups/?page=1&q={uuid.uuid4().hex[:6]}", client=client)[0]))
        statuses.append((f"{node.name} /api/v1/groups.csv", node.get("/api/v1/groups.csv", client=client)[0]))  # streamed
    return statuses


def save_group(cluster, slug: str, values: dict) -> None:
    """`values` saved on the group through the groups service, with a user and a reason, on node A's settings,
    replica and all (a command writes to the primary)."""
    code = (
        "from groups.services import group_upsert; from sampledata.demo_data import importer_account; "
        f"group_upsert(slug={slug!r}, values={values!r}, user=importer_account(), reason='Scale-out test')"
    )
    cluster.manage("shell", "-c", code, node=cluster.nodes[0])


def edit_summary(cluster) -> str:
    """A new summary for the profile (`save_group`). Returns the summary."""
    marker = f"Scale-out check {uuid.uuid4().hex}"
    save_group(cluster, "islamic-state", {"summary": marker})
    return marker


def test_a_client_is_throttled_by_its_requests_to_both_nodes_together(cluster):
    client = new_client()
    node_a, node_b = cluster.nodes
    statuses = [node.get("/api/v1/groups/", client=client)[0] for _ in range(API_RATE) for node in (node_a, node_b)]
    assert statuses.count(200) == API_RATE and statuses.count(429) == API_RATE
    assert statuses[:API_RATE] == [200] * API_RATE  # the first RATE, alternating between the nodes, pass
    assert node_a.get("/api/v1/groups/", client=new_client())[0] == 200  # another client is not held back


def test_an_edit_written_through_node_a_is_shown_by_node_b_once_replicated(cluster, capsys):
    node_a, node_b = cluster.nodes
    client = new_client()
    assert node_b.get(PROFILE, client=client)[0] == 200  # node B has the profile cached, Redis holds it
    marker = edit_summary(cluster)
    written = time.monotonic()
    replayed = cluster.wait_until_replayed()
    seen = wait_for(lambda: marker.encode() in node_b.get(PROFILE, client=client)[1], seconds=15, step=0.01)
    lag = time.monotonic() - written
    assert seen, "node B never showed the edit"
    assert marker.encode() in node_a.get(PROFILE, client=client)[1]
    assert cluster.replica.value("SELECT summary FROM groups_group WHERE slug = 'islamic-state'") == marker
    with capsys.disabled():
        print(f"\n  scale-out: an edit was replayed on the replica within {replayed * 1000:.0f} ms of its commit", end="")
        print(f" and on node B's public page within {lag * 1000:.0f} ms")


def test_a_group_renamed_through_node_a_joins_the_lists_node_b_cached_from_the_replica(cluster):
    """A list built from the replica depends on the tables its SQL read there, as one built from the primary does:
    a search that found nothing, cached, is built again once a group renamed to match it is replicated."""
    node_b = cluster.nodes[1]
    client = new_client()
    word = "".join(random.choice("bcdfghjklmnpqrstvwz") for _ in range(12))
    name = f"Lashkar-e-Jhangvi {word.title()}"
    paths = [f"/api/v1/groups/?q={word}", f"/groups/?q={word}"]
    for path in paths:
        assert node_b.get(path, client=client)[0] == 200  # cached, finding nothing
        assert name.encode() not in node_b.get(path, client=client)[1]
    save_group(cluster, "lashkar-e-jhangvi", {"name": name})
    try:
        cluster.wait_until_replayed()
        for path in paths:
            assert wait_for(lambda path=path: name.encode() in node_b.get(path, client=client)[1]), path
    finally:
        save_group(cluster, "lashkar-e-jhangvi", {"name": "Lashkar-e-Jhangvi"})


def test_a_replica_behind_the_primary_is_not_read_so_no_page_is_cached_old(cluster):
    """Pages are cached under the data version the primary gives: built from a replica that has not replayed the
    change yet, an old page would be kept under the new version. A lagging replica is therefore not read."""
    node_a, node_b = cluster.nodes
    client = new_client()
    cluster.replica.value("SELECT pg_wal_replay_pause()")
    try:
        marker = edit_summary(cluster)
        replica_log = cluster.replica.log_position()
        assert marker.encode() in node_b.get(PROFILE, client=client)[1]  # read from the primary
        assert marker.encode() in node_a.get(PROFILE, client=client)[1]
        assert reads_of_groups(cluster.replica, replica_log) == 0
        assert cluster.replica.value("SELECT summary FROM groups_group WHERE slug = 'islamic-state'") != marker  # it lags
    finally:
        cluster.replica.value("SELECT pg_wal_replay_resume()")
    cluster.wait_until_replayed()
    assert marker.encode() in node_b.get(PROFILE, client=client)[1]  # the page cached meanwhile is the new one


def test_public_reads_run_on_the_replica(cluster):
    replica_log, primary_log = cluster.replica.log_position(), cluster.primary.log_position()
    assert all(status == 200 for _, status in uncached_pages(cluster, new_client()))
    assert reads_of_groups(cluster.replica, replica_log) > 0, "no page read the groups on the replica"
    assert reads_of_groups(cluster.primary, primary_log) == 0, "public pages read the groups on the primary"
    assert any("pg_current_wal_lsn()" in line for line in cluster.primary.statements_since(primary_log))  # how far it has written
    applications = {
        row[0] for row in cluster.replica.connect().execute("SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = 'kb'")
    }
    assert {"kb-node-a", "kb-node-b"} <= applications  # both nodes hold connections to it
    assert cluster.replica.value("SELECT pg_is_in_recovery()") is True


def test_with_the_replica_stopped_pages_are_read_from_the_primary_without_an_error(cluster):
    cluster.replica.stop()
    try:
        primary_log = cluster.primary.log_position()
        statuses = uncached_pages(cluster, new_client()) + uncached_pages(cluster, new_client())
        assert [page for page, status in statuses if status != 200] == []
        assert reads_of_groups(cluster.primary, primary_log) > 0
        time.sleep(1.1)  # past REPLICA_RETRY_SECONDS: the nodes try the replica again, and still fall back
        assert [page for page, status in uncached_pages(cluster, new_client()) if status != 200] == []
    finally:
        cluster.start_replica()
    cluster.wait_until_replayed()
    time.sleep(1.1)  # REPLICA_RETRY_SECONDS
    replica_log, primary_log = cluster.replica.log_position(), cluster.primary.log_position()
    assert all(status == 200 for _, status in uncached_pages(cluster, new_client()))
    assert reads_of_groups(cluster.replica, replica_log) > 0, "the nodes did not return to the replica"
    assert reads_of_groups(cluster.primary, primary_log) == 0


def test_with_redis_stopped_pages_are_built_afresh_without_an_error(cluster):
    client = new_client()
    cluster.redis.stop()
    try:
        for node in cluster.nodes:
            for path in (PROFILE, "/", "/api/v1/groups/", "/taxii2/"):
                status, _ = node.get(path, client=client)
                assert status == 200, f"{node.name} {path}: {status}"
    finally:
        cluster.redis.start()
    assert all(node.get(PROFILE, client=client)[0] == 200 for node in cluster.nodes)
