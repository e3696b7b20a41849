"""silt on RADOS (issue 17) through real clients: `silt server --backend rados` on the shared
throwaway Ceph cluster (ceph_cluster fixture), exercised with boto3, raw signed requests and aws
cli, plus two gateways on one cluster racing and reading each other's writes (conditional PUTs,
multipart Complete against Abort, versioned PUTs, versioning changes racing PUTs).

Each module run uses a RADOS namespace of its own, so it shares the pools but no object."""
import concurrent.futures
import hashlib
import json
import os
import threading
import xml.etree.ElementTree as ET

import pytest
from botocore.exceptions import ClientError

from ceph_cluster import ceph_cluster  # noqa: F401
from silt_server import SiltServer, bucket_name

STRIPE = 1 << 20  # small stripes: a few MiB already spans several data objects
MiB = 1 << 20


def multipart_etag(parts):
    return '"%s-%d"' % (hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest(), len(parts))


def rados_config(path, ceph_conf, namespace, rados=None, **sections):
    """Writes a gateway's --config to PATH and returns PATH: 1 MiB stripes, STANDARD in
    silt.std, STANDARD_IA in the zstd pool on silt.cold, lifecycle days of a second with passes
    only when asked. RADOS ({key: value}) adds to or overrides the "rados" section; SECTIONS
    replace whole top-level sections (pools=, storage_classes=, lifecycle=; None drops one)."""
    doc = {
        "backend": "rados",
        "rados": {"ceph_conf": str(ceph_conf), "namespace": namespace, "stripe_bytes": STRIPE, **(rados or {})},
        "pools": [{"name": "standard", "rados_pool": "silt.std", "price_per_tb_month": 20},
                  {"name": "cold", "rados_pool": "silt.cold", "zstd_level": 3, "price_per_tb_month": 20}],
        "storage_classes": {"STANDARD": "standard", "STANDARD_IA": "cold"},
        # Lifecycle days of a second, passes only when asked (test_lifecycle_transition_...).
        "lifecycle": {"day_seconds": 1, "interval_seconds": 0},
    }
    for name, value in sections.items():
        if value is None:
            doc.pop(name, None)
        else:
            doc[name] = value
    path.write_text(json.dumps(doc))
    return path


def start_gateway(workdir, config):
    server = SiltServer(workdir)
    server.args = ("--backend", "rados", "--config", str(config))
    try:
        server.start(timeout=60)
    except RuntimeError as e:
        server.stop()
        pytest.fail(str(e), pytrace=False)
    return server


def stop_gateway(server, timeout=10):
    """Stops a gateway of start_gateway and asserts that SIGTERM ended it with exit code 0."""
    code = server.stop(timeout=timeout)
    assert code == 0, f"silt exit code after SIGTERM: {code}\n{server.log_tail()}"


@pytest.fixture(scope="module")
def gateways(ceph_cluster, tmp_path_factory):  # noqa: F811
    """Two silt processes on one cluster and one namespace."""
    base = tmp_path_factory.mktemp("rados")
    config = rados_config(base / "silt.json", ceph_cluster.conf, "itest-" + os.urandom(8).hex())
    servers = [start_gateway(base / name, config) for name in ("gw1", "gw2")]
    yield servers
    for s in servers:
        stop_gateway(s)


@pytest.fixture(scope="module")
def s3(gateways):
    return gateways[0].boto3()


@pytest.fixture(scope="module")
def s3b(gateways):
    return gateways[1].boto3()


@pytest.fixture
def bucket(s3, request):
    name = bucket_name(request.node.name)
    s3.create_bucket(Bucket=name)
    return name


def client_error(e):
    return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]


def error_code(excinfo):
    return client_error(excinfo.value)


def test_rados_gateway_has_32_blocking_threads(gateways):
    """A RADOS read holds a blocking thread for a round trip: the default pool is larger
    than on drives (docs/operations.md)."""
    assert all(", 32 blocking threads" in g.log_text() for g in gateways)


def test_put_get_head_range_delete(s3, bucket):
    small = b"tiny object"
    big = os.urandom(3 * STRIPE + 12345)
    r = s3.put_object(Bucket=bucket, Key="small", Body=small)
    assert r["ETag"] == '"%s"' % hashlib.md5(small).hexdigest()
    s3.put_object(Bucket=bucket, Key="dir/big.bin", Body=big, ContentType="application/x-test",
                  Metadata={"color": "blue"})
    assert s3.get_object(Bucket=bucket, Key="small")["Body"].read() == small
    got = s3.get_object(Bucket=bucket, Key="dir/big.bin")
    assert got["Body"].read() == big
    assert got["ContentType"] == "application/x-test"
    assert got["Metadata"] == {"color": "blue"}
    head = s3.head_object(Bucket=bucket, Key="dir/big.bin")
    assert head["ContentLength"] == len(big)
    assert head["ETag"] == '"%s"' % hashlib.md5(big).hexdigest()
    # Ranges inside one data object, across two, and a suffix.
    for rng, want in ((f"bytes=5-{STRIPE - 1}", big[5:STRIPE]),
                      (f"bytes={STRIPE - 3}-{2 * STRIPE + 3}", big[STRIPE - 3:2 * STRIPE + 4]),
                      ("bytes=-100", big[-100:]), ("bytes=2-5", None)):
        key = "small" if want is None else "dir/big.bin"
        r = s3.get_object(Bucket=bucket, Key=key, Range=rng)
        assert r["ResponseMetadata"]["HTTPStatusCode"] == 206
        assert r["Body"].read() == (small[2:6] if want is None else want)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="dir/big.bin", Range=f"bytes={len(big)}-")
    assert error_code(e) == ("InvalidRange", 416)
    s3.delete_object(Bucket=bucket, Key="dir/big.bin")
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="dir/big.bin")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="dir/big.bin")
    assert error_code(e) == ("NoSuchKey", 404)
    s3.delete_object(Bucket=bucket, Key="never-there")  # 204, as S3


def test_list_objects_v2_pages(s3, bucket):
    keys = sorted([f"a/{i:03d}" for i in range(7)] + ["b/x", "b/y/z", "c", "d/"])
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    seen, token = [], None
    while True:
        kw = {"ContinuationToken": token} if token else {}
        r = s3.list_objects_v2(Bucket=bucket, MaxKeys=3, **kw)
        seen += [o["Key"] for o in r.get("Contents", [])]
        assert r["KeyCount"] <= 3
        if not r["IsTruncated"]:
            break
        token = r["NextContinuationToken"]
    assert seen == keys
    r = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/", "b/", "d/"]
    assert [o["Key"] for o in r["Contents"]] == ["c"]
    r = s3.list_objects_v2(Bucket=bucket, Prefix="b/", Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["b/x"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["b/y/"]
    r = s3.list_objects_v2(Bucket=bucket, Prefix="a/", StartAfter="a/004")
    assert [o["Key"] for o in r["Contents"]] == ["a/005", "a/006"]
    assert r["Contents"][0]["Size"] == 5
    assert r["Contents"][0]["StorageClass"] == "STANDARD"
    r = s3.list_objects_v2(Bucket=bucket, MaxKeys=0)
    assert r["KeyCount"] == 0 and not r["IsTruncated"]


def test_conditional_put(gateways, bucket):
    gw = gateways[0]
    assert gw.request("PUT", bucket, "k", headers={"If-None-Match": "*"}, body=b"one").status == 200
    r = gw.request("PUT", bucket, "k", headers={"If-None-Match": "*"}, body=b"two")
    assert r.status == 412 and b"<Code>PreconditionFailed</Code>" in r.body
    r = gw.request("PUT", bucket, "k", headers={"If-Match": '"0123456789abcdef0123456789abcdef"'}, body=b"two")
    assert r.status == 412 and b"<Code>PreconditionFailed</Code>" in r.body
    r = gw.request("PUT", bucket, "missing", headers={"If-Match": '"0123456789abcdef0123456789abcdef"'}, body=b"x")
    assert r.status == 404 and b"<Code>NoSuchKey</Code>" in r.body
    etag = hashlib.md5(b"one").hexdigest()
    assert gw.request("PUT", bucket, "k", headers={"If-Match": f'"{etag}"'}, body=b"two").status == 200
    assert gw.request("GET", bucket, "k").body == b"two"
    assert gw.alive()


def test_bucket_refusals(gateways, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=bucket)
    assert error_code(e) == ("BucketNotEmpty", 409)
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="g", Body=b"x", StorageClass="GLACIER")
    assert error_code(e)[0] == "InvalidStorageClass"
    # Still serving, and the bucket deletes once empty.
    s3.delete_object(Bucket=bucket, Key="k")
    s3.delete_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=bucket)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert gateways[0].alive()


def test_bucket_configs_and_listing_across_gateways(s3, s3b, bucket):
    cors = {"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["https://example.com"]}]}
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=cors)
    assert s3b.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["AllowedOrigins"] == ["https://example.com"]
    assert bucket in [b["Name"] for b in s3b.list_buckets()["Buckets"]]


def test_read_and_list_after_write_on_the_other_gateway(s3, s3b, bucket):
    for i in range(5):
        body = os.urandom(100 + i * STRIPE // 2)
        s3.put_object(Bucket=bucket, Key=f"k{i}", Body=body)
        assert s3b.get_object(Bucket=bucket, Key=f"k{i}")["Body"].read() == body
        listed = [o["Key"] for o in s3b.list_objects_v2(Bucket=bucket).get("Contents", [])]
        assert f"k{i}" in listed
    s3b.delete_object(Bucket=bucket, Key="k0")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="k0")
    assert error_code(e) == ("NoSuchKey", 404)
    assert "k0" not in [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    s3b.put_object(Bucket=bucket, Key="k1", Body=b"overwritten on gw2")
    assert s3.get_object(Bucket=bucket, Key="k1")["Body"].read() == b"overwritten on gw2"


def test_if_none_match_race_over_two_gateways(gateways, bucket):
    """50 concurrent If-None-Match: * PUTs of one key, alternating between the gateways:
    exactly one 200, 49 412 PreconditionFailed, and the stored body is the winner's."""
    def put(i):
        gw = gateways[i % 2]
        body = f"writer {i}".encode()
        r = gw.request("PUT", bucket, "contested", headers={"If-None-Match": "*"}, body=body, timeout=60)
        return i, r.status, r.body

    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(put, range(50)))
    winners = [i for i, status, _ in results if status == 200]
    refused = [body for _, status, body in results if status == 412]
    assert len(winners) == 1, [(i, s) for i, s, _ in results]
    assert len(refused) == 49, [(i, s, b[:200]) for i, s, b in results if s != 200]
    assert all(b"<Code>PreconditionFailed</Code>" in b for b in refused)
    for gw in gateways:
        r = gw.request("GET", bucket, "contested")
        assert r.status == 200 and r.body == f"writer {winners[0]}".encode()
        assert gw.alive()


def test_if_none_match_races_on_warm_gateways(gateways, bucket):
    """The same race once both gateways commit new keys without reading first (a PUT through each
    teaches them the shard's state): 5 keys x 10 writers, a key's writers sent one after the other
    so one gateway's batched op could hold several of them. Exactly one 200 per key, the rest 412
    PreconditionFailed, each key's body its winner's."""
    for i, gw in enumerate(gateways):
        assert gw.request("PUT", bucket, f"warm-{i}", body=b"w").status == 200

    def put(i):
        gw, key = gateways[i % 2], f"hot-{i // 10}"
        r = gw.request("PUT", bucket, key, headers={"If-None-Match": "*"}, body=f"writer {i}".encode(), timeout=60)
        return i, key, r.status, r.body

    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(put, range(50)))
    for k in range(5):
        key = f"hot-{k}"
        won = [i for i, kk, status, _ in results if kk == key and status == 200]
        refused = [body for _, kk, status, body in results if kk == key and status == 412]
        assert len(won) == 1, [(i, s) for i, kk, s, _ in results if kk == key]
        assert len(refused) == 9 and all(b"<Code>PreconditionFailed</Code>" in b for b in refused)
        for gw in gateways:
            r = gw.request("GET", bucket, key)
            assert r.status == 200 and r.body == f"writer {won[0]}".encode()
    assert all(gw.alive() for gw in gateways)


def test_overwrites_racing_a_create_on_warm_gateways(gateways, s3, bucket):
    """20 unconditional PUTs of one new key (8 KiB: data objects, not inline) at once over both
    warm gateways: the first to land creates it, each later one must replace the one before
    (a blind commit asserts the key absent, so every other one fails it and overwrites from a
    read). All answer 200; the key ends as exactly one of the bodies, listed once, its ETag that
    body's MD5."""
    for i, gw in enumerate(gateways):
        assert gw.request("PUT", bucket, f"warm-{i}", body=b"w").status == 200
    bodies = [bytes([65 + i]) * 8192 for i in range(20)]

    def put(i):
        return gateways[i % 2].request("PUT", bucket, "racy", body=bodies[i], timeout=60).status

    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        assert list(pool.map(put, range(20))) == [200] * 20
    got = s3.get_object(Bucket=bucket, Key="racy")
    body = got["Body"].read()
    assert body in bodies
    assert got["ETag"].strip('"') == hashlib.md5(body).hexdigest()
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="racy")["Contents"]
    assert [o["Key"] for o in listed] == ["racy"]
    versions = s3.list_object_versions(Bucket=bucket, Prefix="racy").get("Versions", [])
    assert [v["VersionId"] for v in versions] == ["null"]
    assert all(gw.alive() for gw in gateways)


def test_aws_cli_round_trip(gateways, tmp_path):
    gw = gateways[1]
    name = bucket_name("awscli-rados")
    gw.aws("s3", "mb", f"s3://{name}")
    src = tmp_path / "file.bin"
    src.write_bytes(os.urandom(3 * 1024 * 1024 + 7))  # under the cli's 8 MiB multipart threshold
    gw.aws("s3", "cp", str(src), f"s3://{name}/f/file.bin")
    out = gw.aws("s3", "ls", f"s3://{name}/f/")
    assert "file.bin" in out.stdout
    dst = tmp_path / "back.bin"
    gw.aws("s3", "cp", f"s3://{name}/f/file.bin", str(dst))
    assert dst.read_bytes() == src.read_bytes()
    gw.aws("s3", "rm", f"s3://{name}/f/file.bin")
    gw.aws("s3", "rb", f"s3://{name}")


def test_multipart_across_gateways(s3, s3b, bucket):
    """Parts uploaded through both gateways, listed on either, completed on one and read on the
    other; a repeated Complete answers the first result; an upload left out is still listed."""
    parts = [os.urandom(5 * MiB), os.urandom(5 * MiB + 3), os.urandom(1234)]
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp/obj", ContentType="text/csv",
                                    Metadata={"team": "lake"})["UploadId"]
    other = s3b.create_multipart_upload(Bucket=bucket, Key="mp/other")["UploadId"]
    listed = []
    for n, body in enumerate(parts, 1):
        client = s3 if n % 2 else s3b
        r = client.upload_part(Bucket=bucket, Key="mp/obj", UploadId=up, PartNumber=n, Body=body)
        assert r["ETag"] == '"%s"' % hashlib.md5(body).hexdigest()
        listed.append({"PartNumber": n, "ETag": r["ETag"]})
    # Part 2 again through the other gateway: it replaces the first upload of it.
    parts[1] = os.urandom(5 * MiB + 7)
    listed[1]["ETag"] = s3.upload_part(Bucket=bucket, Key="mp/obj", UploadId=up, PartNumber=2,
                                       Body=parts[1])["ETag"]
    lp = s3b.list_parts(Bucket=bucket, Key="mp/obj", UploadId=up)
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in lp["Parts"]] == \
        [(n, listed[n - 1]["ETag"], len(parts[n - 1])) for n in (1, 2, 3)]
    page = s3.list_parts(Bucket=bucket, Key="mp/obj", UploadId=up, MaxParts=2)
    assert page["IsTruncated"] and page["NextPartNumberMarker"] == 2
    uploads = s3b.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [("mp/obj", up), ("mp/other", other)]

    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp/obj", UploadId=up,
                                        MultipartUpload={"Parts": listed})
    assert done["ETag"] == multipart_etag(parts)
    body = b"".join(parts)
    got = s3b.get_object(Bucket=bucket, Key="mp/obj")
    assert got["Body"].read() == body
    assert got["ContentType"] == "text/csv" and got["Metadata"] == {"team": "lake"}
    assert got["ETag"] == done["ETag"]
    edge = 5 * MiB
    r = s3b.get_object(Bucket=bucket, Key="mp/obj", Range=f"bytes={edge - 10}-{edge + 9}")
    assert r["Body"].read() == body[edge - 10:edge + 10]
    r = s3.get_object(Bucket=bucket, Key="mp/obj", PartNumber=3)
    assert r["Body"].read() == parts[2] and r["PartsCount"] == 3
    # A Complete repeated (a client retrying after a timeout) gets the first answer.
    again = s3b.complete_multipart_upload(Bucket=bucket, Key="mp/obj", UploadId=up,
                                          MultipartUpload={"Parts": listed})
    assert again["ETag"] == done["ETag"]
    with pytest.raises(ClientError) as e:
        s3b.abort_multipart_upload(Bucket=bucket, Key="mp/obj", UploadId=up)
    assert error_code(e) == ("NoSuchUpload", 404)
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="mp/obj", UploadId=up, PartNumber=4, Body=b"late")
    assert error_code(e) == ("NoSuchUpload", 404)
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == [other]


def test_multipart_refusals(gateways, s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    small = s3.upload_part(Bucket=bucket, Key="k", UploadId=up, PartNumber=1, Body=b"x" * 100)["ETag"]
    last = s3.upload_part(Bucket=bucket, Key="k", UploadId=up, PartNumber=2, Body=b"y" * 100)["ETag"]
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=up, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": small}, {"PartNumber": 2, "ETag": last}]})
    assert error_code(e) == ("EntityTooSmall", 400)
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=up, MultipartUpload={
            "Parts": [{"PartNumber": 2, "ETag": small}]})
    assert error_code(e) == ("InvalidPart", 400)
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="k", UploadId="0" * 48, PartNumber=1, Body=b"x")
    assert error_code(e) == ("NoSuchUpload", 404)
    # A refused Complete leaves the upload as it was: more parts, then a valid Complete.
    s3.upload_part(Bucket=bucket, Key="k", UploadId=up, PartNumber=3, Body=b"z")
    s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=up,
                                 MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": last}]})
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"y" * 100
    # A bucket holding only uploads deletes, and takes them with it.
    name = bucket_name("uploads-only")
    s3.create_bucket(Bucket=name)
    u = s3.create_multipart_upload(Bucket=name, Key="k")["UploadId"]
    s3.upload_part(Bucket=name, Key="k", UploadId=u, PartNumber=1, Body=b"p" * 5000)
    s3.delete_bucket(Bucket=name)
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=name)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert gateways[0].alive() and gateways[1].alive()


def test_complete_racing_abort_on_two_gateways(s3, s3b, bucket):
    """CompleteMultipartUpload on one gateway racing AbortMultipartUpload of the same upload on
    the other, 12 rounds: exactly one wins each time. A won Complete leaves the whole object (every
    part's bytes) and a 404 NoSuchUpload Abort; a won Abort leaves no object and a 404
    NoSuchUpload Complete. No upload is left listed either way."""
    outcomes = []
    for rnd in range(12):
        key = f"race/{rnd}"
        parts = [os.urandom(5 * MiB), os.urandom(1000 + rnd)]
        up = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        listed = [{"PartNumber": n, "ETag": (s3 if n == 1 else s3b).upload_part(
            Bucket=bucket, Key=key, UploadId=up, PartNumber=n, Body=p)["ETag"]} for n, p in enumerate(parts, 1)]
        start = threading.Barrier(2)
        result = {}

        def complete():
            start.wait()
            try:
                result["complete"] = s3.complete_multipart_upload(
                    Bucket=bucket, Key=key, UploadId=up, MultipartUpload={"Parts": listed})["ETag"]
            except ClientError as e:
                result["complete"] = client_error(e)

        def abort():
            start.wait()
            try:
                s3b.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=up)
                result["abort"] = 204
            except ClientError as e:
                result["abort"] = client_error(e)

        threads = [threading.Thread(target=complete), threading.Thread(target=abort)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        if result["abort"] == 204:
            assert result["complete"] == ("NoSuchUpload", 404), result
            with pytest.raises(ClientError) as e:
                s3b.head_object(Bucket=bucket, Key=key)
            assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
            outcomes.append("abort")
        else:
            assert result["abort"] == ("NoSuchUpload", 404), result
            assert result["complete"] == multipart_etag(parts), result
            assert s3b.get_object(Bucket=bucket, Key=key)["Body"].read() == b"".join(parts)
            outcomes.append("complete")
        with pytest.raises(ClientError) as e:
            s3.list_parts(Bucket=bucket, Key=key, UploadId=up)
        assert error_code(e) == ("NoSuchUpload", 404)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    print("complete vs abort outcomes:", outcomes)


def test_aws_cli_multipart(gateways, tmp_path):
    """aws s3 cp of a file over the cli's 8 MiB threshold: a multipart upload in 8 MiB parts."""
    gw = gateways[0]
    name = bucket_name("awscli-mp")
    gw.aws("s3", "mb", f"s3://{name}")
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(20 * MiB + 17))
    gw.aws("s3", "cp", str(src), f"s3://{name}/big.bin")
    head = json.loads(gw.aws("s3api", "head-object", "--bucket", name, "--key", "big.bin").stdout)
    assert head["ContentLength"] == 20 * MiB + 17
    assert head["ETag"].endswith('-3"'), head  # three 8 MiB parts
    dst = tmp_path / "back.bin"
    gateways[1].aws("s3", "cp", f"s3://{name}/big.bin", str(dst))
    assert hashlib.md5(dst.read_bytes()).digest() == hashlib.md5(src.read_bytes()).digest()
    out = gw.aws("s3api", "list-multipart-uploads", "--bucket", name).stdout
    assert "UploadId" not in out
    gw.aws("s3", "rm", f"s3://{name}/big.bin")
    gw.aws("s3", "rb", f"s3://{name}")


def enable_versioning(client, bucket, status="Enabled"):
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})


def all_versions(gw, bucket, page=1000):
    """Every version and delete marker through gw's raw ListObjectVersions, paged with key and
    version-id markers: [(key, version id, is latest, is delete marker)] in listing order."""
    out, params = [], [("versions", None), ("max-keys", str(page))]
    while True:
        r = gw.request("GET", bucket, params=params)
        assert r.status == 200, r.body
        root = ET.fromstring(r.body)
        ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        for el in root:
            kind = el.tag[len(ns):]
            if kind in ("Version", "DeleteMarker"):
                out.append((el.findtext(ns + "Key"), el.findtext(ns + "VersionId"),
                            el.findtext(ns + "IsLatest") == "true", kind == "DeleteMarker"))
        if root.findtext(ns + "IsTruncated") != "true":
            return out
        params = [("versions", None), ("max-keys", str(page)), ("key-marker", root.findtext(ns + "NextKeyMarker")),
                  ("version-id-marker", root.findtext(ns + "NextVersionIdMarker"))]


def test_versioning_across_gateways(gateways, s3, s3b, bucket):
    """Versioning turned on through one gateway holds on the other: versions PUT on A are
    listed, read, copied and deleted on B; delete markers hide and reveal the key."""
    assert "Status" not in s3b.get_bucket_versioning(Bucket=bucket)
    enable_versioning(s3, bucket)
    assert s3b.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    bodies = [os.urandom(n) for n in (10, 3 * STRIPE + 5, 20)]  # inline, pooled, inline
    ids = [s3.put_object(Bucket=bucket, Key="k", Body=b)["VersionId"] for b in bodies]
    assert len(set(ids)) == 3 and "null" not in ids
    listed = s3b.list_object_versions(Bucket=bucket)["Versions"]
    assert [v["VersionId"] for v in listed] == ids[::-1]
    assert [v["IsLatest"] for v in listed] == [True, False, False]
    for vid, body in zip(ids, bodies):
        r = s3b.get_object(Bucket=bucket, Key="k", VersionId=vid)
        assert r["Body"].read() == body and r["VersionId"] == vid
    assert s3b.get_object(Bucket=bucket, Key="k", VersionId=ids[1], Range="bytes=5-9")["Body"].read() == bodies[1][5:10]
    # CopyObject from an old version makes a new current version.
    cp = s3b.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "k", "VersionId": ids[1]})
    assert cp["CopySourceVersionId"] == ids[1] and cp["VersionId"] not in ids
    assert s3.get_object(Bucket=bucket, Key="copy")["Body"].read() == bodies[1]
    # Multipart Complete creates a version too.
    up = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    part = s3b.upload_part(Bucket=bucket, Key="k", UploadId=up, PartNumber=1, Body=b"multipart body")
    done = s3b.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=up,
                                         MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert done["VersionId"] not in ids and done["VersionId"] != "null"
    ids.append(done["VersionId"])
    # A delete marker on B hides the key on A; HEAD of the marker's id is 405.
    marker = s3b.delete_object(Bucket=bucket, Key="k")
    assert marker["DeleteMarker"] is True and marker["VersionId"] not in ids
    r = gateways[0].request("GET", bucket, "k")
    assert r.status == 404 and b"<Code>NoSuchKey</Code>" in r.body
    assert r.header("x-amz-delete-marker") == "true"
    assert r.header("x-amz-version-id") == marker["VersionId"]
    r = gateways[0].request("HEAD", bucket, "k", params=[("versionId", marker["VersionId"])])
    assert r.status == 405
    assert "k" not in [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    dms = s3.list_object_versions(Bucket=bucket, Prefix="k")["DeleteMarkers"]
    assert [(m["VersionId"], m["IsLatest"]) for m in dms] == [(marker["VersionId"], True)]
    # Removing the marker (on A) brings the multipart version back (on B).
    r = s3.delete_object(Bucket=bucket, Key="k", VersionId=marker["VersionId"])
    assert r["DeleteMarker"] is True and r["VersionId"] == marker["VersionId"]
    assert s3b.get_object(Bucket=bucket, Key="k")["Body"].read() == b"multipart body"
    # Deleting a version for good: gone on both, the others stay.
    s3b.delete_object(Bucket=bucket, Key="k", VersionId=ids[0])
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="k", VersionId=ids[0])
    assert error_code(e) == ("NoSuchVersion", 404)
    assert [v[1] for v in all_versions(gateways[0], bucket) if v[0] == "k"] == ids[:0:-1]
    # Suspended: PUTs are the null version, replacing each other.
    enable_versioning(s3b, bucket, "Suspended")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"
    # (silt, like S3, sends no x-amz-version-id for the null version)
    assert "VersionId" not in s3.put_object(Bucket=bucket, Key="k", Body=b"null 1")
    assert "VersionId" not in s3b.put_object(Bucket=bucket, Key="k", Body=b"null 2")
    assert s3.get_object(Bucket=bucket, Key="k", VersionId="null")["Body"].read() == b"null 2"
    assert [v[1] for v in all_versions(gateways[1], bucket) if v[0] == "k"] == ["null"] + ids[:0:-1]
    with pytest.raises(ClientError) as e:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Bogus"})
    assert error_code(e) == ("MalformedXML", 400)
    for gw in gateways:
        assert gw.alive()


def test_versioned_puts_racing_on_two_gateways(gateways, s3, bucket):
    """Concurrent PUTs of one key spread over both gateways in an Enabled bucket: every PUT
    gets a version of its own, every version is listed, exactly one is the latest and it is
    what GET answers."""
    enable_versioning(s3, bucket)

    def put(i):
        r = gateways[i % 2].request("PUT", bucket, "hot", body=f"writer {i}".encode(), timeout=60)
        return r.status, r.header("x-amz-version-id")

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(put, range(40)))
    assert all(status == 200 for status, _ in results), results
    ids = {vid for _, vid in results}
    assert len(ids) == 40 and "null" not in ids
    listed = all_versions(gateways[1], bucket, page=7)
    assert {v[1] for v in listed} == ids and len(listed) == 40
    latest = [v[1] for v in listed if v[2]]
    assert len(latest) == 1 and listed[0][1] == latest[0]
    for gw in gateways:
        r = gw.request("GET", bucket, "hot")
        assert r.status == 200 and r.header("x-amz-version-id") == latest[0]


def test_versioning_change_racing_puts(gateways, s3, bucket):
    """PUTs of one key on gateway B while gateway A toggles versioning Enabled/Suspended: no
    acknowledged versioned PUT is lost, at most one null version is left, exactly one version is
    the latest, and the record GetBucketVersioning reads ends in the last state set."""
    enable_versioning(s3, bucket)
    stop = threading.Event()
    acked = []

    def writer(n):
        gw = gateways[1]
        i = 0
        while not stop.is_set():
            r = gw.request("PUT", bucket, "k", body=f"w{n}-{i}".encode(), timeout=60)
            assert r.status == 200, r.body
            acked.append(r.header("x-amz-version-id", "null"))  # none for the null version
            i += 1

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(writer, n) for n in range(3)]
        for i in range(10):
            enable_versioning(s3, bucket, "Suspended" if i % 2 == 0 else "Enabled")
        stop.set()
        for f in futures:
            f.result()
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    listed = all_versions(gateways[1], bucket, page=5)
    ids = [v[1] for v in listed]
    real = {v for v in acked if v != "null"}
    assert real <= set(ids), real - set(ids)  # no acknowledged version lost
    assert ids.count("null") == (1 if "null" in acked else 0)
    assert len(ids) == len(real) + ids.count("null")
    assert [v[2] for v in listed].count(True) == 1 and listed[0][2]
    # Enabled again: the next PUT on either gateway gets a version id.
    assert gateways[0].request("PUT", bucket, "k", body=b"after").header("x-amz-version-id") != "null"
    assert all(gw.alive() for gw in gateways)


def test_aws_cli_list_object_versions(gateways):
    gw = gateways[0]
    name = bucket_name("awscli-versions")
    gw.aws("s3", "mb", f"s3://{name}")
    gw.aws("s3api", "put-bucket-versioning", "--bucket", name, "--versioning-configuration", "Status=Enabled")
    got = json.loads(gateways[1].aws("s3api", "get-bucket-versioning", "--bucket", name).stdout)
    assert got["Status"] == "Enabled"
    ids = []
    for body in (b"one", b"two"):
        r = gw.request("PUT", name, "d/k", body=body)
        assert r.status == 200
        ids.append(r.header("x-amz-version-id"))
    gateways[1].aws("s3", "rm", f"s3://{name}/d/k")  # a delete marker
    out = json.loads(gateways[1].aws("s3api", "list-object-versions", "--bucket", name, "--prefix", "d/").stdout)
    assert [v["VersionId"] for v in out["Versions"]] == ids[::-1]
    assert [v["IsLatest"] for v in out["Versions"]] == [False, False]
    assert len(out["DeleteMarkers"]) == 1 and out["DeleteMarkers"][0]["IsLatest"] is True
    grouped = json.loads(gw.aws("s3api", "list-object-versions", "--bucket", name, "--delimiter", "/").stdout)
    assert [p["Prefix"] for p in grouped["CommonPrefixes"]] == ["d/"] and "Versions" not in grouped
    for vid in ids + [out["DeleteMarkers"][0]["VersionId"]]:
        gw.aws("s3api", "delete-object", "--bucket", name, "--key", "d/k", "--version-id", vid)
    gw.aws("s3", "rb", f"s3://{name}")


def test_object_lock_across_gateways(gateways, s3, s3b):
    """Object Lock on RADOS: a lock-enabled bucket made on A, a version locked on A and its delete
    refused on B (for a bypass too while a legal hold is on), the bucket's default retention set on
    A applied to a PUT on B, a null-version overwrite refused; after the hold is lifted B deletes
    with the bypass. Every verdict is taken in the guarded op of the shard, whatever gateway."""
    import datetime
    bucket = bucket_name("lock")
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    v = s3.put_object(Bucket=bucket, Key="k", Body=b"kept", ObjectLockMode="GOVERNANCE",
                      ObjectLockRetainUntilDate=until)["VersionId"]
    head = s3b.head_object(Bucket=bucket, Key="k", VersionId=v)
    assert head["ObjectLockMode"] == "GOVERNANCE"
    with pytest.raises(ClientError) as e:
        s3b.delete_object(Bucket=bucket, Key="k", VersionId=v)
    assert error_code(e) == ("AccessDenied", 403)
    s3.put_object_legal_hold(Bucket=bucket, Key="k", VersionId=v, LegalHold={"Status": "ON"})
    with pytest.raises(ClientError) as e:
        s3b.delete_object(Bucket=bucket, Key="k", VersionId=v, BypassGovernanceRetention=True)
    assert error_code(e) == ("AccessDenied", 403)
    assert s3b.get_object_legal_hold(Bucket=bucket, Key="k", VersionId=v)["LegalHold"]["Status"] == "ON"
    # Shortening GOVERNANCE without the bypass is refused on B too.
    with pytest.raises(ClientError) as e:
        s3b.put_object_retention(Bucket=bucket, Key="k", VersionId=v,
                                 Retention={"Mode": "GOVERNANCE", "RetainUntilDate": until - datetime.timedelta(minutes=5)})
    assert error_code(e) == ("AccessDenied", 403)
    assert s3b.get_object(Bucket=bucket, Key="k", VersionId=v)["Body"].read() == b"kept"

    # Default retention set on A, PUT on B: the new version is retained.
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}}})
    d = s3b.put_object(Bucket=bucket, Key="d", Body=b"default")["VersionId"]
    r = s3.get_object_retention(Bucket=bucket, Key="d", VersionId=d)["Retention"]
    assert r["Mode"] == "COMPLIANCE"
    with pytest.raises(ClientError) as e:
        s3.delete_object(Bucket=bucket, Key="d", VersionId=d, BypassGovernanceRetention=True)
    assert error_code(e) == ("AccessDenied", 403)

    # Suspending versioning is refused on a lock-enabled bucket (AWS: InvalidBucketState).
    with pytest.raises(ClientError) as e:
        s3b.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert error_code(e) == ("InvalidBucketState", 409)

    # The hold lifted on B, the GOVERNANCE version yields to A's bypass.
    s3b.put_object_legal_hold(Bucket=bucket, Key="k", VersionId=v, LegalHold={"Status": "OFF"})
    s3.delete_object(Bucket=bucket, Key="k", VersionId=v, BypassGovernanceRetention=True)
    with pytest.raises(ClientError) as e:
        s3b.head_object(Bucket=bucket, Key="k", VersionId=v)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert gateways[0].alive() and gateways[1].alive()


def test_legal_hold_racing_delete_across_gateways(gateways, s3, s3b):
    """A legal hold put on A racing a delete of the same version on B: never both succeed, and the
    version exists exactly when the hold won."""
    bucket = bucket_name("lockrace")
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    outcomes = set()
    for i in range(10):
        v = s3.put_object(Bucket=bucket, Key="k", Body=b"x%d" % i)["VersionId"]

        def hold():
            try:
                s3.put_object_legal_hold(Bucket=bucket, Key="k", VersionId=v, LegalHold={"Status": "ON"})
                return True
            except ClientError as e:
                assert client_error(e)[0] in ("NoSuchVersion", "NoSuchKey"), e.response
                return False

        def delete():
            try:
                s3b.delete_object(Bucket=bucket, Key="k", VersionId=v)
                return True
            except ClientError as e:
                assert client_error(e) == ("AccessDenied", 403), e.response
                return False

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            held, deleted = pool.submit(hold), pool.submit(delete)
            held, deleted = held.result(), deleted.result()
        outcomes.add((held, deleted))
        exists = True
        try:
            s3b.head_object(Bucket=bucket, Key="k", VersionId=v)
        except ClientError:
            exists = False
        # A delete that came first succeeds and the hold then finds no version; a hold that
        # came first makes the delete AccessDenied. Never both, never neither.
        assert held != deleted, (i, held, deleted)
        assert exists == held, (i, held, exists)
    print(f"\nlegal hold vs delete outcomes (held, deleted): {sorted(outcomes)}")


def test_lifecycle_transition_across_gateways(gateways, s3, s3b):
    """A lifecycle transition on RADOS: the rule set on A, the pass run by A's worker, the data
    copied into the cold pool with gateway zstd and the version flipped in one guarded op; B then
    serves the same bytes, ETag and version as STANDARD_IA (whole and ranged), the inlined small
    object is relabelled in place, and a second pass finds nothing left to do."""
    import time
    bucket = bucket_name("lc")
    s3.create_bucket(Bucket=bucket)
    line = b'{"ts": %d, "path": "/api/v1/items/%d", "status": 200, "ua": "boto3/1.26"}\n'
    body = b"".join(line % (1_700_000_000_000 + i, i * 7919 % 1000003) for i in range(45000))
    assert len(body) > 3 * STRIPE
    put = s3.put_object(Bucket=bucket, Key="raw/big.jsonl", Body=body)
    s3.put_object(Bucket=bucket, Key="raw/small", Body=b"small")
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "to-ia", "Status": "Enabled", "Filter": {"Prefix": "raw/"},
         "Transitions": [{"Days": 1, "StorageClass": "STANDARD_IA"}]}]})
    time.sleep(2.2)

    def run_pass():
        r = gateways[0].admin("--json", "lifecycle", "run", "--bucket", bucket)
        assert r.returncode == 0, r.stdout + r.stderr
        r = gateways[0].admin("--json", "lifecycle", "status")
        assert r.returncode == 0, r.stdout + r.stderr
        return json.loads(r.stdout)["last"]

    p = run_pass()
    assert p["transitioned"] == 2 and p["errors"] == 0, p
    assert p["bytes_transitioned"] == len(body), p  # the small one only changed its label
    for key, want in (("raw/big.jsonl", body), ("raw/small", b"small")):
        head = s3b.head_object(Bucket=bucket, Key=key)
        assert head["StorageClass"] == "STANDARD_IA", (key, head)
        assert s3b.get_object(Bucket=bucket, Key=key)["Body"].read() == want
    assert s3b.head_object(Bucket=bucket, Key="raw/big.jsonl")["ETag"] == put["ETag"]
    rng = f"bytes={STRIPE - 100}-{2 * STRIPE + 99}"
    assert s3b.get_object(Bucket=bucket, Key="raw/big.jsonl", Range=rng)["Body"].read() == \
        body[STRIPE - 100:2 * STRIPE + 100]
    listed = s3b.list_objects_v2(Bucket=bucket)["Contents"]
    assert {o["Key"]: o["StorageClass"] for o in listed} == {"raw/big.jsonl": "STANDARD_IA",
                                                            "raw/small": "STANDARD_IA"}
    p = run_pass()
    assert p["transitioned"] == 0 and p["errors"] == 0, p


def test_real_clients_sync_copy_check(gateways, tmp_path):
    """aws cli `s3 sync`, rclone copy/check and s3cmd against RADOS-backed gateways, each client
    writing through one gateway and checked through the other: a tree with an empty file, a
    nested key, a file past one stripe and one in the zstd class; a second sync uploads nothing."""
    a, b = gateways
    src = tmp_path / "tree"
    (src / "nested" / "deep").mkdir(parents=True)
    (src / "empty").write_bytes(b"")
    (src / "nested" / "small.txt").write_bytes(b"hello rados\n")
    big = os.urandom(2 * STRIPE + 777)
    (src / "nested" / "deep" / "big.bin").write_bytes(big)
    files = {"empty": b"", "nested/small.txt": b"hello rados\n", "nested/deep/big.bin": big}

    bucket = bucket_name("clients")
    a.aws("s3", "mb", f"s3://{bucket}")
    a.aws("s3", "sync", str(src), f"s3://{bucket}/aws/")
    again = a.aws("s3", "sync", str(src), f"s3://{bucket}/aws/")
    assert "upload:" not in again.stdout, again.stdout  # nothing changed: nothing sent
    s3b = b.boto3()
    for rel, data in files.items():
        assert s3b.get_object(Bucket=bucket, Key=f"aws/{rel}")["Body"].read() == data, rel
    down = tmp_path / "down"
    b.aws("s3", "sync", f"s3://{bucket}/aws/", str(down))
    for rel, data in files.items():
        assert (down / rel).read_bytes() == data, rel

    b.rclone("copy", str(src), f"other:{bucket}/rclone")
    r = a.rclone("check", str(src), f"other:{bucket}/rclone")
    assert r.returncode == 0, r.stdout + r.stderr
    a.rclone("copy", str(src / "nested" / "deep" / "big.bin"), f"other:{bucket}/cold", "--s3-storage-class",
             "STANDARD_IA")
    head = s3b.head_object(Bucket=bucket, Key="cold/big.bin")
    assert head["StorageClass"] == "STANDARD_IA"
    assert s3b.get_object(Bucket=bucket, Key="cold/big.bin")["Body"].read() == big

    a.s3cmd("put", str(src / "nested" / "small.txt"), f"s3://{bucket}/s3cmd/small.txt")
    got = tmp_path / "s3cmd.txt"
    b.s3cmd("get", f"s3://{bucket}/s3cmd/small.txt", str(got))
    assert got.read_bytes() == b"hello rados\n"
    listing = b.s3cmd("ls", "--recursive", f"s3://{bucket}/").stdout
    for key in ("aws/nested/deep/big.bin", "rclone/empty", "cold/big.bin", "s3cmd/small.txt"):
        assert f"s3://{bucket}/{key}" in listing, listing
    assert a.alive() and b.alive()
