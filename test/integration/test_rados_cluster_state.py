"""Users and bucket configs shared by RADOS gateways (issue 17 item 4): two `silt server
--backend rados` processes on the suite's cluster and one namespace. A user added or removed
through one gateway's admin API is admitted or refused by the other; a bucket policy, a
bucket deletion and a versioning change made on one are what the other serves, although
each gateway caches bucket records, configs and users (rados/root_cache.h, cmd/rados_users.h),
because a watch/notify on the root and users objects tells it. A gateway whose watch the
cluster dropped (stopped longer than the watch timeout) answers from the cluster at once and
converges when the watch is back.

Convergence is polled with a deadline, never waited for with a sleep."""
import json
import os
import signal
import subprocess
import time

import pytest
import requests
from botocore.exceptions import ClientError

from ceph_cluster import ceph_cluster  # noqa: F401
from silt_server import SiltServer, bucket_name, s3_client

WATCH_TIMEOUT = 10  # seconds; the smallest silt takes (librados pings every 5 s)
DEADLINE = 10  # seconds a change may take to reach the other gateway (it takes one notify)


def rados_config(path, ceph_conf, namespace):
    path.write_text(json.dumps({
        "backend": "rados",
        "rados": {"ceph_conf": str(ceph_conf), "namespace": namespace,
                  "watch_timeout_seconds": WATCH_TIMEOUT},
        "pools": [{"name": "standard", "rados_pool": "silt.std"}],
        "storage_classes": {"STANDARD": "standard"},
        "lifecycle": {"interval_seconds": 0},
    }))
    return path


@pytest.fixture(scope="module")
def cluster_ns(ceph_cluster):  # noqa: F811
    return ceph_cluster.conf, "itest-state-" + os.urandom(6).hex()


@pytest.fixture(scope="module")
def gateways(cluster_ns, tmp_path_factory):
    base = tmp_path_factory.mktemp("rados-state")
    config = rados_config(base / "silt.json", *cluster_ns)
    servers = []
    for name in ("gwa", "gwb"):
        s = SiltServer(base / name)
        s.args = ("--backend", "rados", "--config", str(config))
        try:
            s.start(timeout=60)
        except RuntimeError as e:
            for t in servers + [s]:
                t.stop()
            pytest.fail(str(e), pytrace=False)
        servers.append(s)
    yield servers
    for s in servers:
        if s.proc is not None and s.proc.poll() is None:
            os.kill(s.proc.pid, signal.SIGCONT)  # never leave a stopped one behind
        code = s.stop(timeout=10)
        assert code == 0, f"silt exit code after SIGTERM: {code}\n{s.log_tail()}"


def poll(what, check, deadline=DEADLINE):
    """check() until it returns truthy; fails with what after deadline seconds."""
    end = time.monotonic() + deadline
    while True:
        got = check()
        if got:
            return time.monotonic() - (end - deadline)
        if time.monotonic() > end:
            pytest.fail(f"{what}: not within {deadline} s (last: {got!r})", pytrace=False)
        time.sleep(0.05)


def client_for(server, key, secret):
    from botocore.config import Config
    return s3_client(
        endpoint_url=server.endpoint, aws_access_key_id=key, aws_secret_access_key=secret,
        region_name=server.region,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}))


def error_of(call):
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None


def ok(proc):
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def public_read(bucket):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]})


def anonymous_get(server, bucket, key):
    return requests.get(f"{server.endpoint}/{bucket}/{key}", timeout=10).status_code


def test_user_added_on_one_gateway_signs_on_the_other(gateways):
    a, b = gateways
    secret = "carol-secret-" + os.urandom(8).hex()
    carol_b = client_for(b, "carol", secret)
    # Unknown on B first (and so, if anything were cached, cached as unknown).
    assert error_of(carol_b.list_buckets) == ("InvalidAccessKeyId", 403)
    ok(a.admin("user", "add", "carol", "--secret-stdin", input=secret + "\n"))
    poll("carol admitted on B", lambda: error_of(carol_b.list_buckets) is None)
    # B lists her and refuses her again as a duplicate: one store.
    assert "carol" in ok(b.admin("user", "list"))
    dup = b.admin("user", "add", "carol", "--secret-stdin", input=secret + "\n")
    assert dup.returncode != 0 and "exists already" in dup.stdout + dup.stderr
    # Removed on B, refused on A.
    carol_a = client_for(a, "carol", secret)
    assert error_of(carol_a.list_buckets) is None
    ok(b.admin("user", "remove", "carol"))
    poll("carol refused on A", lambda: error_of(carol_a.list_buckets) == ("InvalidAccessKeyId", 403))
    assert error_of(carol_b.list_buckets) == ("InvalidAccessKeyId", 403)
    assert b.alive() and a.alive()


def test_users_added_on_both_gateways_at_once_keep_one_each(gateways):
    a, b = gateways
    import concurrent.futures
    # The same key added through both gateways at once: exactly one add wins.
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda s: s.admin("user", "add", "dave", "--secret-stdin",
                                                  input="dave-secret-" + s.host + "\n"), (a, b)))
    assert sorted(r.returncode == 0 for r in results) == [False, True], [r.stderr for r in results]
    winner = next(s for s, r in zip((a, b), results) if r.returncode == 0)
    for s in (a, b):
        c = client_for(s, "dave", "dave-secret-" + winner.host)
        poll(f"dave on {s.host}", lambda: error_of(c.list_buckets) is None)
    ok(a.admin("user", "remove", "dave"))


def test_policy_set_on_one_gateway_is_enforced_on_the_other(gateways):
    a, b = gateways
    s3a = a.boto3()
    bucket = bucket_name("policy-across")
    s3a.create_bucket(Bucket=bucket)
    s3a.put_object(Bucket=bucket, Key="k", Body=b"public now")
    # B has read the bucket and its (absent) policy: a cached answer would stay 403.
    for _ in range(3):
        assert anonymous_get(b, bucket, "k") == 403
    s3a.put_bucket_policy(Bucket=bucket, Policy=public_read(bucket))
    assert anonymous_get(a, bucket, "k") == 200, "on A itself"
    took = poll("policy allowing anonymous GET on B", lambda: anonymous_get(b, bucket, "k") == 200)
    print(f"policy visible on the other gateway after {took * 1000:.0f} ms")
    for _ in range(3):
        assert anonymous_get(b, bucket, "k") == 200
    s3a.delete_bucket_policy(Bucket=bucket)
    poll("policy removal on B", lambda: anonymous_get(b, bucket, "k") == 403)


def test_bucket_changes_on_one_gateway_reach_the_other(gateways):
    a, b = gateways
    s3a, s3b = a.boto3(), b.boto3()
    bucket = bucket_name("bucket-across")
    s3a.create_bucket(Bucket=bucket)
    poll("bucket on B", lambda: error_of(lambda: s3b.head_bucket(Bucket=bucket)) is None)
    assert s3b.get_bucket_versioning(Bucket=bucket).get("Status") is None
    s3a.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    poll("versioning on B", lambda: s3b.get_bucket_versioning(Bucket=bucket).get("Status") == "Enabled")
    s3a.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "team", "Value": "data"}]})
    poll("tags on B", lambda: error_of(lambda: s3b.get_bucket_tagging(Bucket=bucket)) is None)
    s3a.delete_bucket(Bucket=bucket)
    poll("bucket gone on B", lambda: error_of(lambda: s3b.get_bucket_tagging(Bucket=bucket)) == ("NoSuchBucket", 404))
    # Re-created on B with another owner's view: A sees the new, empty bucket.
    s3b.create_bucket(Bucket=bucket)
    poll("re-created bucket on A", lambda: error_of(lambda: s3a.get_bucket_tagging(Bucket=bucket)) == ("NoSuchTagSet", 404))
    assert s3a.get_bucket_versioning(Bucket=bucket).get("Status") is None


def watchers(conf, ns, oid):
    out = subprocess.run(["rados", "-c", str(conf), "-p", "silt.meta", "-N", ns, "listwatchers", oid],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return [line for line in out.stdout.splitlines() if line.strip()]


def test_gateway_whose_watch_was_dropped_converges(gateways, cluster_ns):
    a, b = gateways
    conf, ns = cluster_ns
    s3a = a.boto3()
    bucket = bucket_name("watch-lost")
    s3a.create_bucket(Bucket=bucket)
    s3a.put_object(Bucket=bucket, Key="k", Body=b"x")
    secret = "erin-secret-" + os.urandom(8).hex()
    ok(a.admin("user", "add", "erin", "--secret-stdin", input=secret + "\n"))
    erin_b = client_for(b, "erin", secret)
    poll("erin on B", lambda: error_of(erin_b.list_buckets) is None)
    assert anonymous_get(b, bucket, "k") == 403  # cached on B: no policy
    assert len(watchers(conf, ns, "silt.root")) == 2 and len(watchers(conf, ns, "silt.users")) == 2
    # Stop B until the OSDs drop its watches: notifies sent then never reach it.
    os.kill(b.proc.pid, signal.SIGSTOP)
    try:
        poll("B's watches dropped by the cluster",
             lambda: len(watchers(conf, ns, "silt.root")) == 1 and len(watchers(conf, ns, "silt.users")) == 1,
             deadline=6 * WATCH_TIMEOUT)
        s3a.put_bucket_policy(Bucket=bucket, Policy=public_read(bucket))
        ok(a.admin("user", "remove", "erin"))
    finally:
        os.kill(b.proc.pid, signal.SIGCONT)
    # B's watch was last confirmed long ago: it does not trust its cache, at once.
    assert anonymous_get(b, bucket, "k") == 200
    # Its users are reloaded once the watch is back (the repair thread looks every second).
    poll("erin refused on B", lambda: error_of(erin_b.list_buckets) == ("InvalidAccessKeyId", 403))
    poll("B watching again",
         lambda: len(watchers(conf, ns, "silt.root")) == 2 and len(watchers(conf, ns, "silt.users")) == 2)
    assert "re-established" in b.log_since_start()
    # And the cache with its new watch follows changes again.
    s3a.delete_bucket_policy(Bucket=bucket)
    poll("policy removal on B after the repair", lambda: anonymous_get(b, bucket, "k") == 403)
    assert a.alive() and b.alive()


def test_users_file_is_refused_with_rados(cluster_ns, tmp_path):
    s = SiltServer(tmp_path / "gwx")
    config = rados_config(tmp_path / "silt.json", *cluster_ns)
    with pytest.raises(RuntimeError) as e:
        s.start(extra_args=("--backend", "rados", "--config", str(config), "--users-file", str(tmp_path / "u.json")))
    s.stop()
    assert "--users-file does not go with --backend rados" in str(e.value)
