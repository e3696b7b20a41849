"""`silt admin` against a real silt: usage, lifecycle run/status/simulate, authentication
of the admin API (docs/admin-api.md). The client is the real binary (SILT_BIN)."""
import datetime
import http.client
import json
import os
import subprocess
import xml.etree.ElementTree as ET

import pytest

from crash_harness import read_segment
from silt_server import SiltServer, silt_binary

def admin(silt, *args, **kw):
    return silt.admin(*args, **kw)


def ok(result):
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


def admin_json(silt, *args, **kw):
    return json.loads(ok(admin(silt, "--json", *args, **kw)).stdout)


def bucket_usage(usage, bucket):
    found = [b for b in usage["buckets"] if b["bucket"] == bucket]
    assert len(found) == 1, usage
    return found[0]


def put_objects(s3, bucket, sizes, prefix="o"):
    for i, size in enumerate(sizes):
        s3.put_object(Bucket=bucket, Key=f"{prefix}{i}", Body=os.urandom(size))


# --- usage -------------------------------------------------------------------------------

SIZES = [0, 1, 1000, 65_536, 1_048_576 + 17, 3_000_000]


@pytest.fixture(scope="module")
def lone_silt(tmp_path_factory):
    """A silt holding one bucket only, so its usage can be compared with the drives."""
    server = SiltServer(tmp_path_factory.mktemp("silt-usage"))
    server.start()
    yield server
    assert server.stop() == 0


def test_usage_matches_objects_and_drives(lone_silt):
    s3 = lone_silt.boto3()
    s3.create_bucket(Bucket="measured")
    put_objects(s3, "measured", SIZES)

    usage = admin_json(lone_silt, "usage")
    classes = bucket_usage(usage, "measured")["classes"]
    assert [c["storage_class"] for c in classes] == ["STANDARD"], classes
    std = classes[0]
    assert std["objects"] == len(SIZES)
    assert std["logical_bytes"] == sum(SIZES)
    # 4 data + 2 parity, no compression: at least half as much again is written.
    assert std["stored_bytes"] >= sum(SIZES) * 1.5
    pools = {p["name"]: p for p in usage["pools"]}
    assert std["pool"] in pools
    assert (pools[std["pool"]]["k"], pools[std["pool"]]["m"]) == (4, 2)
    assert pools[std["pool"]]["compression"] == "none"

    # Measured, not estimated: between the shard files alone and everything in the data dirs
    # (small objects: the shard images of the segment files, and the rest of those files).
    shards = meta = 0
    for drive in lone_silt.drives():
        for p in (drive / "data").rglob("*"):
            if p.is_file():
                if p.name.startswith("part."):
                    shards += p.stat().st_size
                else:
                    meta += p.stat().st_size
        for seg in (drive / "segments").glob("*.seg"):
            images = sum(shard_len for kind, _, _, shard_len, _ in read_segment(seg) if kind == 1)
            shards += images
            meta += seg.stat().st_size - images
    assert shards <= std["stored_bytes"] <= shards + meta, (std, shards, meta)

    totals = usage["totals"]
    assert totals["objects"] == len(SIZES)
    assert totals["logical_bytes"] == sum(SIZES)
    assert totals["stored_bytes"] == std["stored_bytes"]
    assert totals["monthly_cost"] == pytest.approx(std["monthly_cost"])
    price = pools[std["pool"]]["price_per_tb_month"]
    if price > 0:
        assert std["monthly_cost"] > 0


def test_usage_of_one_bucket_and_human_output(silt, s3, bucket):
    put_objects(s3, bucket, [10, 20, 30])
    other = bucket + "-other"
    s3.create_bucket(Bucket=other)
    put_objects(s3, other, [5])

    usage = admin_json(silt, "usage", "--bucket", bucket)
    assert [b["bucket"] for b in usage["buckets"]] == [bucket]
    assert sum(c["objects"] for c in usage["buckets"][0]["classes"]) == 3
    assert sum(c["logical_bytes"] for c in usage["buckets"][0]["classes"]) == 60

    out = ok(admin(silt, "usage", "--bucket", bucket)).stdout
    rows = [line.split() for line in out.splitlines()]
    row = next(r for r in rows if r and r[0] == bucket)
    assert row[1] == "STANDARD"
    assert row[3] == "3"                 # objects
    assert row[4:6] == ["60", "B"]       # logical bytes, human-readable
    assert any(r and r[0] == "TOTAL" for r in rows), out
    assert "POOL" in out and "COST/MONTH" in out


def test_usage_of_missing_bucket_fails(silt):
    r = admin(silt, "usage", "--bucket", "no-such-bucket-here")
    assert r.returncode != 0
    assert "NoSuchBucket" in r.stderr
    assert r.stdout == ""


# --- lifecycle ---------------------------------------------------------------------------

def put_rule(s3, bucket, rule):
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [rule]})


def test_lifecycle_run_transitions_and_reports(silt, s3, bucket):
    sizes = [100, 5000, 200_000]
    put_objects(s3, bucket, sizes)
    # A date in the past applies to every object now, whatever a lifecycle day lasts.
    put_rule(s3, bucket, {"ID": "to-ia", "Status": "Enabled", "Filter": {"Prefix": ""},
                          "Transitions": [{"Date": datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc),
                                           "StorageClass": "STANDARD_IA"}]})

    r = ok(admin(silt, "lifecycle", "run", "--bucket", bucket))
    assert "lifecycle pass" in r.stdout and "finished" in r.stdout, r.stdout
    assert "transitioned" in r.stdout
    for i in range(len(sizes)):
        assert s3.head_object(Bucket=bucket, Key=f"o{i}").get("StorageClass") == "STANDARD_IA"

    classes = {c["storage_class"]: c for c in
               bucket_usage(admin_json(silt, "usage", "--bucket", bucket), bucket)["classes"]}
    assert classes["STANDARD_IA"]["objects"] == len(sizes)
    assert classes["STANDARD_IA"]["logical_bytes"] == sum(sizes)
    assert classes.get("STANDARD", {"objects": 0})["objects"] == 0

    status = admin_json(silt, "lifecycle", "status")
    assert status["last"] is not None and status["last"]["finished_ms"] is not None
    rules = [r for b in status["buckets"] if b["bucket"] == bucket for r in b["rules"]]
    assert [r["id"] for r in rules] == ["to-ia"]
    assert rules[0]["status"] == "Enabled"
    assert rules[0]["transitioned"] == len(sizes)
    assert rules[0]["bytes_transitioned"] == sum(sizes)

    out = ok(admin(silt, "lifecycle", "status")).stdout
    assert any(line.split()[:3] == [bucket, "to-ia", "Enabled"] for line in out.splitlines() if line.strip()), out


def test_lifecycle_run_json_reports_its_pass(silt, s3, bucket):
    put_objects(s3, bucket, [10])
    r = ok(admin(silt, "--json", "lifecycle", "run", "--bucket", bucket))
    status = json.loads(r.stdout)
    assert status["last"]["finished_ms"] >= status["last"]["started_ms"]
    assert status["last"]["errors"] == 0
    assert f"lifecycle pass {status['last']['id']} started" in r.stderr


def test_lifecycle_simulate(silt, s3, bucket):
    sizes = [1000, 2000, 3000]
    put_objects(s3, bucket, sizes)
    put_rule(s3, bucket, {"ID": "age", "Status": "Enabled", "Filter": {"Prefix": ""},
                          "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}],
                          "Expiration": {"Days": 400}})
    before = s3.list_objects_v2(Bucket=bucket)["KeyCount"]

    sim = admin_json(silt, "lifecycle", "simulate", "--bucket", bucket, "--days", "1,45,500")
    assert sim["bucket"] == bucket
    assert sum(c["objects"] for c in sim["now"]["classes"]) == len(sizes)
    h = {x["days"]: x for x in sim["horizons"]}
    assert sorted(h) == [1, 45, 500]
    assert (h[1]["transitioned_objects"], h[1]["expired_objects"]) == (0, 0)
    assert h[1]["stored_bytes"] == sim["now"]["stored_bytes"]
    assert h[45]["transitioned_objects"] == len(sizes)
    assert h[45]["transitioned_bytes"] == sum(sizes)
    assert h[45]["expired_objects"] == 0
    assert {c["storage_class"] for c in h[45]["classes"] if c["objects"]} == {"STANDARD_IA"}
    assert h[500]["expired_objects"] == len(sizes)
    assert h[500]["expired_bytes"] == sum(sizes)
    assert h[500]["stored_bytes"] == 0 and h[500]["monthly_cost"] == 0

    out = ok(admin(silt, "lifecycle", "simulate", "--bucket", bucket, "--days", "1,45,500")).stdout
    assert "45 days" in out and "500 days" in out
    # Nothing moved.
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == before
    assert s3.head_object(Bucket=bucket, Key="o0").get("StorageClass", "STANDARD") == "STANDARD"


def test_simulate_checks_its_arguments_before_asking(silt):
    r = admin(silt, "lifecycle", "simulate", "--bucket", "b", "--days", "30,x")
    assert r.returncode != 0 and "--days" in r.stderr
    r = admin(silt, "lifecycle", "simulate")
    assert r.returncode != 0 and "--bucket" in r.stderr


# --- authentication and failures ---------------------------------------------------------

def test_wrong_secret_is_refused(silt):
    r = admin(silt, "usage", password="not-the-secret")
    assert r.returncode != 0
    assert "SignatureDoesNotMatch" in r.stderr
    assert r.stdout == ""


def test_minio_variables_are_the_fallback(silt):
    r = admin(silt, "usage", env_extra={"MINIO_ROOT_USER": silt.access_key, "MINIO_ROOT_PASSWORD": "wrong"})
    assert r.returncode != 0 and "SignatureDoesNotMatch" in r.stderr
    ok(admin(silt, "usage", env_extra={"MINIO_ROOT_USER": silt.access_key,
                                       "MINIO_ROOT_PASSWORD": silt.secret_key}))
    # SILT_ROOT_* wins over MINIO_ROOT_*.
    ok(admin(silt, "usage", env_extra={"SILT_ROOT_USER": silt.access_key, "SILT_ROOT_PASSWORD": silt.secret_key,
                                       "MINIO_ROOT_USER": "x", "MINIO_ROOT_PASSWORD": "y"}))


def test_unsigned_request_to_admin_api_is_denied(silt):
    for method, path in [("GET", "/_silt/admin/v1/usage"), ("POST", "/_silt/admin/v1/lifecycle/run"),
                         ("GET", "/_silt/admin/v1/lifecycle/status")]:
        c = http.client.HTTPConnection("127.0.0.1", silt.port, timeout=5)
        c.request(method, path)
        resp = c.getresponse()
        body = resp.read()
        c.close()
        assert resp.status == 403, (method, path, resp.status, body)
        assert ET.fromstring(body).findtext("Code") == "AccessDenied"


def test_unreachable_endpoint_fails_cleanly():
    r = subprocess.run([str(silt_binary()), "admin", "--endpoint", "http://127.0.0.1:1", "--timeout", "5", "usage"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "cannot connect to 127.0.0.1:1" in r.stderr


def test_https_endpoint_on_a_plain_http_silt_fails_with_a_message(silt):
    r = subprocess.run([str(silt_binary()), "admin", "--endpoint", f"https://{silt.host}", "--timeout", "10",
                        "usage"], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "TLS handshake" in r.stderr and "plain http" in r.stderr, r.stderr
