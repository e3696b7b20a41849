"""Storage classes and the lifecycle worker against a real silt (--data default: pool
"standard" 4+2 for STANDARD, pool "cold" 4+2 + zstd for STANDARD_IA and GLACIER_IR), with
a lifecycle day of one second so rules fall due during the test (issue 4)."""
import concurrent.futures
import hashlib
import json
import os
import pathlib
import random
import signal
import subprocess
import threading
import time

import pytest

from crash_harness import read_segment
from s3assert import client_error, code, wait_for
from silt_server import SiltServer, bucket_name

DAY = 1  # seconds per lifecycle day


def admin(silt, *args, timeout=120):
    r = silt.admin("--json", *args, timeout=timeout)
    assert r.returncode == 0, f"silt admin {args}: {r.returncode}\n{r.stdout}\n{r.stderr}"
    return json.loads(r.stdout) if r.stdout.strip() else None


def run_pass(silt, bucket=None):
    """A lifecycle pass now, waited for; returns the pass's figures."""
    args = ["lifecycle", "run"] + (["--bucket", bucket] if bucket else [])
    admin(silt, *args)
    return admin(silt, "lifecycle", "status")["last"]


def logs(n_lines, seed=0):
    """JSON-lines logs with real field entropy: compressible, never repetitive."""
    rnd = random.Random(seed)
    paths = ["/api/v1/items", "/api/v1/users", "/static/app.js", "/login", "/api/v2/search"]
    out = []
    for i in range(n_lines):
        out.append(json.dumps({"ts": 1_700_000_000_000 + i * rnd.randint(1, 50), "ip": "10.%d.%d.%d" % (
            rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)), "path": rnd.choice(paths) + "/%d" % rnd.randrange(10**6),
            "status": rnd.choice([200, 200, 200, 201, 304, 404, 500]), "ms": round(rnd.random() * 900, 3),
            "ua": rnd.choice(["curl/8.4", "Mozilla/5.0 (X11; Linux)", "boto3/1.26", "aws-cli/1.45"])}))
    return ("\n".join(out) + "\n").encode()


@pytest.fixture(scope="module")
def silt(tmp_path_factory):
    server = SiltServer(tmp_path_factory.mktemp("silt-lifecycle"))
    server.start(["--lifecycle-day-seconds", str(DAY), "--lifecycle-interval", "0"])
    yield server
    assert server.stop() == 0, server.log_tail()


def md5(b):
    return hashlib.md5(b).hexdigest()


def get(s3, bucket, key, **kw):
    return s3.get_object(Bucket=bucket, Key=key, **kw)["Body"].read()


def shard_bytes(silt):
    """Bytes of every shard file (part.N) on the drives, and of every shard image in their
    segment files (small objects, docs/format.md "Segment files"; nothing here deletes one)."""
    total = 0
    for d in silt.drives():
        for p in pathlib.Path(d, "data").rglob("part.*"):
            total += p.stat().st_size
        for seg in pathlib.Path(d, "segments").glob("*.seg"):
            total += sum(shard_len for kind, _, _, shard_len, _ in read_segment(seg) if kind == 1)
    return total


# --- storage classes on the API ----------------------------------------------------------

def test_put_get_head_and_list_report_the_class(s3, bucket):
    body = logs(20000)
    s3.put_object(Bucket=bucket, Key="ia", Body=body, StorageClass="STANDARD_IA")
    s3.put_object(Bucket=bucket, Key="std", Body=b"x")
    head = s3.head_object(Bucket=bucket, Key="ia")
    assert head["StorageClass"] == "STANDARD_IA"
    assert "StorageClass" not in s3.head_object(Bucket=bucket, Key="std")  # S3 omits STANDARD
    got = s3.get_object(Bucket=bucket, Key="ia")
    assert got["StorageClass"] == "STANDARD_IA" and md5(got["Body"].read()) == md5(body)
    assert got["ETag"] == '"%s"' % md5(body) and got["ContentLength"] == len(body)
    listed = {o["Key"]: o["StorageClass"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert listed == {"ia": "STANDARD_IA", "std": "STANDARD"}
    v1 = {o["Key"]: o["StorageClass"] for o in s3.list_objects(Bucket=bucket)["Contents"]}
    assert v1 == listed
    versions = {v["Key"]: v["StorageClass"] for v in s3.list_object_versions(Bucket=bucket)["Versions"]}
    assert versions == listed


def test_unmapped_classes_are_refused(s3, bucket):
    for cls in ("GLACIER", "DEEP_ARCHIVE", "NOPE"):
        e = client_error(s3.put_object, Bucket=bucket, Key="k", Body=b"x", StorageClass=cls)
        assert code(e) == ("InvalidStorageClass", 400)
        e = client_error(s3.create_multipart_upload, Bucket=bucket, Key="k", StorageClass=cls)
        assert code(e) == ("InvalidStorageClass", 400)
    client_error(s3.head_object, Bucket=bucket, Key="k")


def test_multipart_in_a_compressed_class(s3, bucket):
    part1, part2 = logs(60000, seed=1)[: 5 << 20], logs(3000, seed=2)
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp", StorageClass="STANDARD_IA")
    listed = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [u["StorageClass"] for u in listed] == ["STANDARD_IA"]
    e1 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up["UploadId"], PartNumber=1, Body=part1)["ETag"]
    e2 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up["UploadId"], PartNumber=2, Body=part2)["ETag"]
    parts = s3.list_parts(Bucket=bucket, Key="mp", UploadId=up["UploadId"])
    assert parts["StorageClass"] == "STANDARD_IA"
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up["UploadId"], MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
    body = part1 + part2
    assert md5(get(s3, bucket, "mp")) == md5(body)
    assert s3.head_object(Bucket=bucket, Key="mp")["StorageClass"] == "STANDARD_IA"
    # A range across the part boundary, decompressing blocks of both parts.
    lo = len(part1) - 1000
    assert get(s3, bucket, "mp", Range=f"bytes={lo}-{lo + 4999}") == body[lo:lo + 5000]


def test_range_gets_on_compressed_objects(s3, bucket):
    body = logs(50000, seed=3)  # several 1 MiB stripes
    s3.put_object(Bucket=bucket, Key="c", Body=body, StorageClass="STANDARD_IA")
    rnd = random.Random(4)
    cases = [(0, 0), (0, 99), (len(body) - 1, len(body) - 1), ((1 << 20) - 10, (1 << 20) + 10),
             (len(body) - 500, len(body) - 1)]
    cases += [(a, min(len(body) - 1, a + rnd.randrange(1, 3 << 20))) for a in
              (rnd.randrange(len(body)) for _ in range(12))]
    for lo, hi in cases:
        assert get(s3, bucket, "c", Range=f"bytes={lo}-{hi}") == body[lo:hi + 1], (lo, hi)
    assert get(s3, bucket, "c", Range="bytes=-777") == body[-777:]


def test_compression_never_grows_an_object(silt, s3):
    """Random bytes do not compress: stored raw, no bigger than in the uncompressed pool."""
    bucket = bucket_name("incompressible")
    s3.create_bucket(Bucket=bucket)
    body = os.urandom(3 << 20)
    s3.put_object(Bucket=bucket, Key="raw", Body=body)
    s3.put_object(Bucket=bucket, Key="ia", Body=body, StorageClass="STANDARD_IA")
    assert md5(get(s3, bucket, "ia")) == md5(body)
    usage = admin(silt, "usage", "--bucket", bucket)["buckets"][0]["classes"]
    stored = {c["storage_class"]: c["stored_bytes"] for c in usage}
    # The table of stripe lengths adds a few bytes per shard, nothing more.
    assert stored["STANDARD_IA"] <= stored["STANDARD"] + 6 * (20 + 4 * 3)
    assert stored["STANDARD"] >= len(body) * 1.5


def test_copy_onto_itself_with_a_new_class_moves_the_data(silt, s3, bucket):
    body = logs(30000, seed=5)
    s3.put_object(Bucket=bucket, Key="k", Body=body, Metadata={"a": "1"})
    s3.copy_object(Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "k"}, StorageClass="GLACIER_IR")
    head = s3.head_object(Bucket=bucket, Key="k")
    assert head["StorageClass"] == "GLACIER_IR" and head["Metadata"] == {"a": "1"}
    assert md5(get(s3, bucket, "k")) == md5(body)
    classes = admin(silt, "usage", "--bucket", bucket)["buckets"][0]["classes"]
    assert [(c["storage_class"], c["objects"]) for c in classes] == [("GLACIER_IR", 1)]
    assert classes[0]["stored_bytes"] < len(body) * 0.6  # compressed, even with 4+2 parity
    # A copy without a class is STANDARD again, as on S3.
    s3.copy_object(Bucket=bucket, Key="k2", CopySource={"Bucket": bucket, "Key": "k"})
    assert "StorageClass" not in s3.head_object(Bucket=bucket, Key="k2")


# --- usage ---------------------------------------------------------------------------------

def test_usage_matches_the_bytes_on_the_drives(tmp_path):
    server = SiltServer(tmp_path)
    server.start()
    try:
        s3 = server.boto3()
        s3.create_bucket(Bucket="usage-check")
        for i, size in enumerate([0, 1, 5000, (1 << 20) + 3, 2_500_000]):
            s3.put_object(Bucket="usage-check", Key=f"r{i}", Body=os.urandom(size))
            s3.put_object(Bucket="usage-check", Key=f"l{i}", Body=logs(size // 100 + 1, seed=i),
                          StorageClass="STANDARD_IA")
        u = admin(server, "usage")
        assert u["totals"]["objects"] == 10
        assert u["totals"]["stored_bytes"] == shard_bytes(server)
        pools = {p["name"]: p for p in u["pools"]}
        assert pools["cold"]["compression"].startswith("zstd") and pools["standard"]["compression"] == "none"
        cost = sum(c["stored_bytes"] / 1e12 * pools[c["pool"]]["price_per_tb_month"]
                   for c in u["buckets"][0]["classes"])
        assert u["totals"]["monthly_cost"] == pytest.approx(cost)
    finally:
        assert server.stop() == 0


# --- the worker ------------------------------------------------------------------------------

def put_lifecycle(s3, bucket, rules):
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})


def test_transition_keeps_everything_but_the_class(silt, s3, bucket):
    body = logs(40000, seed=6)
    put = s3.put_object(Bucket=bucket, Key="raw/a.jsonl", Body=body, Metadata={"src": "crawl"},
                        ContentType="application/x-ndjson", Tagging="team=data")
    s3.put_object(Bucket=bucket, Key="keep/b", Body=b"small")
    before = s3.head_object(Bucket=bucket, Key="raw/a.jsonl")
    put_lifecycle(s3, bucket, [{"ID": "to-ia", "Status": "Enabled", "Filter": {"Prefix": "raw/"},
                                "Transitions": [{"Days": 1, "StorageClass": "STANDARD_IA"}]}])
    time.sleep(2.2 * DAY)
    p = run_pass(silt, bucket)
    assert p["transitioned"] == 1 and p["errors"] == 0 and p["bytes_transitioned"] == len(body)
    after = s3.head_object(Bucket=bucket, Key="raw/a.jsonl")
    assert after["StorageClass"] == "STANDARD_IA"
    for field in ("ETag", "LastModified", "ContentLength", "ContentType", "Metadata"):
        assert after[field] == before[field], field
    assert put["ETag"] == after["ETag"]
    assert s3.get_object_tagging(Bucket=bucket, Key="raw/a.jsonl")["TagSet"] == [{"Key": "team", "Value": "data"}]
    assert md5(get(s3, bucket, "raw/a.jsonl")) == md5(body)
    assert "StorageClass" not in s3.head_object(Bucket=bucket, Key="keep/b")
    # Nothing left to do: a second pass moves nothing.
    assert run_pass(silt, bucket)["transitioned"] == 0


def test_expiration_and_its_header(silt, s3, bucket):
    put_lifecycle(s3, bucket, [{"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
                                "Expiration": {"Days": 2}}])
    put = s3.put_object(Bucket=bucket, Key="tmp/x", Body=b"x")
    exp = put["ResponseMetadata"]["HTTPHeaders"].get("x-amz-expiration", "")
    assert 'rule-id="tmp"' in exp and "expiry-date=" in exp
    assert s3.head_object(Bucket=bucket, Key="tmp/x")["Expiration"] == exp
    s3.put_object(Bucket=bucket, Key="keep", Body=b"y")
    assert "Expiration" not in s3.head_object(Bucket=bucket, Key="keep")
    assert run_pass(silt, bucket)["expired"] == 0  # not due yet
    time.sleep(2.2 * DAY)
    assert run_pass(silt, bucket)["expired"] == 1
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == ["keep"]


def test_filters_by_tag_and_size(silt, s3, bucket):
    put_lifecycle(s3, bucket, [
        {"ID": "tagged", "Status": "Enabled", "Filter": {"Tag": {"Key": "tier", "Value": "cold"}},
         "Transitions": [{"Days": 1, "StorageClass": "STANDARD_IA"}]},
        {"ID": "big", "Status": "Enabled", "Filter": {"And": {"Prefix": "s/", "ObjectSizeGreaterThan": 1000}},
         "Expiration": {"Days": 1}},
        {"ID": "off", "Status": "Disabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}}])
    s3.put_object(Bucket=bucket, Key="t1", Body=logs(100), Tagging="tier=cold")
    s3.put_object(Bucket=bucket, Key="t2", Body=logs(100), Tagging="tier=hot")
    s3.put_object(Bucket=bucket, Key="s/big", Body=b"z" * 2000)
    s3.put_object(Bucket=bucket, Key="s/small", Body=b"z" * 10)
    time.sleep(1.5 * DAY)
    p = run_pass(silt, bucket)
    assert (p["transitioned"], p["expired"]) == (1, 1)
    classes = {o["Key"]: o["StorageClass"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert classes == {"t1": "STANDARD_IA", "t2": "STANDARD", "s/small": "STANDARD"}


def test_versioned_bucket_rules(silt, s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    put_lifecycle(s3, bucket, [
        {"ID": "cur", "Status": "Enabled", "Filter": {"Prefix": "a"}, "Expiration": {"Days": 1}},
        {"ID": "old", "Status": "Enabled", "Filter": {"Prefix": "b"},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 1, "NewerNoncurrentVersions": 1}},
        {"ID": "markers", "Status": "Enabled", "Filter": {"Prefix": "c"},
         "Expiration": {"ExpiredObjectDeleteMarker": True}}])
    s3.put_object(Bucket=bucket, Key="a", Body=b"a1")
    vb = [s3.put_object(Bucket=bucket, Key="b", Body=b"b%d" % i)["VersionId"] for i in range(4)]
    vc = s3.put_object(Bucket=bucket, Key="c", Body=b"c")["VersionId"]
    s3.delete_object(Bucket=bucket, Key="c")
    s3.delete_object(Bucket=bucket, Key="c", VersionId=vc)  # only the delete marker is left
    time.sleep(1.5 * DAY)
    run_pass(silt, bucket)
    vs = s3.list_object_versions(Bucket=bucket)
    versions = [(v["Key"], v["VersionId"]) for v in vs.get("Versions", [])]
    markers = [(m["Key"], m["IsLatest"]) for m in vs.get("DeleteMarkers", [])]
    # "a": hidden under a new delete marker, its data kept as a noncurrent version.
    assert ("a", True) in markers and [k for k, _ in versions].count("a") == 1
    # "b": the current version and the newest noncurrent one stay; two older ones go.
    assert [v for k, v in versions if k == "b"] == [vb[3], vb[2]]
    # "c": the lone delete marker is removed.
    assert not [m for m in markers if m[0] == "c"]


def test_abort_incomplete_multipart_uploads(silt, s3, bucket):
    put_lifecycle(s3, bucket, [{"ID": "mpu", "Status": "Enabled", "Filter": {"Prefix": ""},
                                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}])
    up = s3.create_multipart_upload(Bucket=bucket, Key="u")
    s3.upload_part(Bucket=bucket, Key="u", UploadId=up["UploadId"], PartNumber=1, Body=b"p" * 100)
    time.sleep(1.5 * DAY)
    assert run_pass(silt, bucket)["aborted_uploads"] == 1
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


def test_simulate_predicts_before_anything_moves(silt, s3, bucket):
    for i in range(6):
        s3.put_object(Bucket=bucket, Key=f"logs/{i}", Body=logs(20000, seed=10 + i))
    s3.put_object(Bucket=bucket, Key="tmp/t", Body=b"t" * 1000)
    put_lifecycle(s3, bucket, [
        {"ID": "ia", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
         "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}]},
        {"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 7}}])
    sim = admin(silt, "lifecycle", "simulate", "--bucket", bucket, "--days", "1,10,40")
    h = {x["days"]: x for x in sim["horizons"]}
    assert (h[1]["transitioned_objects"], h[1]["expired_objects"]) == (0, 0)
    assert (h[10]["transitioned_objects"], h[10]["expired_objects"]) == (0, 1)
    assert (h[40]["transitioned_objects"], h[40]["expired_objects"]) == (6, 1)
    assert h[40]["stored_bytes"] < 0.5 * sim["now"]["stored_bytes"]
    # The estimate is close to what the move then measures (within 10 %).
    time.sleep(0.5)
    put_lifecycle(s3, bucket, [{"ID": "ia", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
                                "Transitions": [{"Days": 0, "StorageClass": "STANDARD_IA"}]}])
    run_pass(silt, bucket)
    usage = admin(silt, "usage", "--bucket", bucket)["buckets"][0]["classes"]
    moved = sum(c["stored_bytes"] for c in usage if c["storage_class"] == "STANDARD_IA")
    predicted = next(c["stored_bytes"] for c in h[40]["classes"] if c["storage_class"] == "STANDARD_IA")
    assert abs(predicted - moved) <= 0.1 * moved, (predicted, moved)


def test_transition_under_concurrent_reads(silt, s3, bucket):
    bodies = {f"k{i}": logs(15000, seed=100 + i) for i in range(8)}
    for k, b in bodies.items():
        s3.put_object(Bucket=bucket, Key=k, Body=b)
    put_lifecycle(s3, bucket, [{"ID": "all", "Status": "Enabled", "Filter": {"Prefix": ""},
                                "Transitions": [{"Days": 1, "StorageClass": "STANDARD_IA"}]}])
    time.sleep(1.5 * DAY)
    stop = threading.Event()
    reads = []

    def reader(seed):
        r = random.Random(seed)
        client = silt.boto3()
        while not stop.is_set():
            k = r.choice(list(bodies))
            b = bodies[k]
            lo = r.randrange(len(b))
            hi = min(len(b) - 1, lo + r.randrange(1, 1 << 20))
            got = get(client, bucket, k, Range=f"bytes={lo}-{hi}")
            assert got == b[lo:hi + 1], (k, lo, hi)
            reads.append(k)

    def reads_reach(n):
        # A reader that failed ends early: stop waiting, f.result() below shows why.
        return lambda: len(reads) >= n or any(f.done() for f in futures)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(reader, s) for s in range(4)]
        # Counts, not time: the readers are reading when the pass starts and go on after it.
        wait_for("the readers' first reads", reads_reach(4), timeout=60)
        p = run_pass(silt, bucket)
        wait_for("reads after the pass", reads_reach(len(reads) + 8), timeout=60)
        stop.set()
        for f in futures:
            f.result()
    assert p["transitioned"] == 8 and p["errors"] == 0
    for k, b in bodies.items():
        assert md5(get(s3, bucket, k)) == md5(b)


def test_kill_during_a_transition_pass(tmp_path):
    """kill -9 while objects move: after restart every object reads back, nothing is
    orphaned, and the resumed pass finishes the job."""
    server = SiltServer(tmp_path)
    args = ["--lifecycle-day-seconds", str(DAY), "--lifecycle-interval", "0"]
    server.start(args)
    try:
        s3 = server.boto3()
        s3.create_bucket(Bucket="crash")
        bodies = {f"o{i:03}": logs(4000, seed=200 + i) for i in range(40)}
        for k, b in bodies.items():
            s3.put_object(Bucket="crash", Key=k, Body=b)
        put_lifecycle(s3, "crash", [{"ID": "ia", "Status": "Enabled", "Filter": {"Prefix": ""},
                                     "Transitions": [{"Days": 1, "StorageClass": "STANDARD_IA"}]}])
        time.sleep(1.5 * DAY)
        for delay in (0.05, 0.2, 0.4):
            argv, env = server.admin_command("lifecycle", "run")
            subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            server.proc.send_signal(signal.SIGKILL)
            server.proc.wait()
            server.proc = None
            server.start(args)
            s3 = server.boto3()
            for k, b in bodies.items():
                assert md5(get(s3, "crash", k)) == md5(b), k
            for d in server.drives():
                assert list(pathlib.Path(d, "tmp").iterdir()) == []
        run_pass(server)
        classes = {o["StorageClass"] for o in s3.list_objects_v2(Bucket="crash")["Contents"]}
        assert classes == {"STANDARD_IA"}
        # Every data dir on the drives belongs to exactly one listed object.
        dirs = [p for d in server.drives() for p in pathlib.Path(d, "data").glob("*/*")]
        assert len(dirs) == 40 * 6
        assert admin(server, "usage")["totals"]["stored_bytes"] == shard_bytes(server)
    finally:
        server.stop()


def test_admin_api_needs_a_signature(silt):
    import http.client
    for method, path in (("GET", "/_silt/admin/v1/usage"), ("POST", "/_silt/admin/v1/lifecycle/run"),
                         ("GET", "/_silt/admin/v1/lifecycle/status")):
        c = http.client.HTTPConnection("127.0.0.1", silt.port, timeout=10)
        c.request(method, path)
        r = c.getresponse()
        assert r.status == 403 and b"<Code>AccessDenied</Code>" in r.read(), path
        c.close()
    assert admin(silt, "lifecycle", "status")["running"] is False
