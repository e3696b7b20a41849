"""`silt admin migrate` (issue 18 item 2): a single-node silt, populated with versions, delete
markers, multipart objects, tags, ACLs, checksums, storage classes, a bucket policy granting a
user, lifecycle rules and CORS, is copied while it serves into a RADOS cluster (the suite's
shared test cluster, a namespace of its own); then two gateways on that cluster answer what the
old server answered, with the same keys: ListObjectVersions (every page), every version's bytes
and headers, GetObject?partNumber=, GetObjectAttributes' parts, the bucket documents byte for
byte; aws cli, rclone and part of the Spark s3a replay run against them. Multipart uploads in
progress move too: ListMultipartUploads and ListParts answer alike, a client goes on with the
same upload id on a gateway, and a second pass drops the uploads the source finished."""
import base64
import hashlib
import json
import os
import re
import subprocess
import time

import pytest

import s3raw
import test_s3a_patterns
from ceph_cluster import ceph_cluster  # noqa: F401  (the fixture, by name)
from crash_harness import rados_orphans
from rados_reuse import borrow
from silt_server import SiltServer, s3_client, silt_binary
from test_rados_backend import rados_config, start_gateway

MiB = 1 << 20
USER, USER_SECRET = "migrating-user", "migrating-user-secret-0123"
POLICY_BUCKET = "mig-versions"

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam:::user/{USER}"]},
    "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
    "Resource": [f"arn:aws:s3:::{POLICY_BUCKET}", f"arn:aws:s3:::{POLICY_BUCKET}/*"]}]})
LIFECYCLE = {"Rules": [
    {"ID": "expire-logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 30}},
    {"ID": "cool", "Status": "Enabled", "Filter": {"Prefix": "cool/"},
     "Transitions": [{"Days": 60, "StorageClass": "STANDARD_IA"}]}]}
CORS = {"CORSRules": [{"AllowedMethods": ["GET", "PUT"], "AllowedOrigins": ["https://example.com"],
                       "AllowedHeaders": ["*"], "MaxAgeSeconds": 300}]}
UPLOADS_BUCKET = "mig-uploads"
# Uploads in progress on the old server when pass 1 runs: key -> (upload id, part bodies).
UPLOADS = {}
# The bucket documents compared byte for byte (raw GET ?<name>), per bucket.
DOCUMENTS = ("policy", "lifecycle", "cors", "acl", "tagging", "versioning", "location")


def populate(old):
    s3 = old.boto3()
    r = old.admin("user", "add", USER, "--secret-stdin", input=USER_SECRET + "\n")
    assert r.returncode == 0, r.stderr
    # A versioned bucket: versions, a delete marker, a multipart object with CRC32 parts,
    # tags, an object ACL, a SHA-256 checksum, STANDARD_IA, a policy, lifecycle, CORS, tags.
    s3.create_bucket(Bucket=POLICY_BUCKET)
    s3.put_bucket_versioning(Bucket=POLICY_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    for i in range(3):
        s3.put_object(Bucket=POLICY_BUCKET, Key="doc.txt", Body=b"version %d\n" % i * (i * 1000 + 1))
    s3.put_object(Bucket=POLICY_BUCKET, Key="gone.txt", Body=b"soon deleted")
    s3.delete_object(Bucket=POLICY_BUCKET, Key="gone.txt")
    s3.put_object(Bucket=POLICY_BUCKET, Key="tagged/acl.bin", Body=os.urandom(5000), Tagging="team=blue&tier=1",
                  ACL="public-read", ContentType="application/x-test", Metadata={"origin": "single-node"})
    s3.put_object(Bucket=POLICY_BUCKET, Key="sum.bin", Body=os.urandom(3 * MiB + 7), ChecksumAlgorithm="SHA256")
    s3.put_object(Bucket=POLICY_BUCKET, Key="cool/ia.bin", Body=b"x" * (2 * MiB), StorageClass="STANDARD_IA")
    up = s3.create_multipart_upload(Bucket=POLICY_BUCKET, Key="big/multi.bin", ChecksumAlgorithm="CRC32")
    parts = []
    for n, body in enumerate((os.urandom(5 * MiB), os.urandom(MiB + 3)), start=1):
        p = s3.upload_part(Bucket=POLICY_BUCKET, Key="big/multi.bin", UploadId=up["UploadId"], PartNumber=n,
                           Body=body, ChecksumAlgorithm="CRC32")
        parts.append({"PartNumber": n, "ETag": p["ETag"], "ChecksumCRC32": p["ChecksumCRC32"]})
    s3.complete_multipart_upload(Bucket=POLICY_BUCKET, Key="big/multi.bin", UploadId=up["UploadId"],
                                 MultipartUpload={"Parts": parts})
    s3.put_bucket_policy(Bucket=POLICY_BUCKET, Policy=POLICY)
    s3.put_bucket_lifecycle_configuration(Bucket=POLICY_BUCKET, LifecycleConfiguration=LIFECYCLE)
    s3.put_bucket_cors(Bucket=POLICY_BUCKET, CORSConfiguration=CORS)
    s3.put_bucket_tagging(Bucket=POLICY_BUCKET, Tagging={"TagSet": [{"Key": "cost", "Value": "migr"}]})
    # The user writes through the policy, so a version records another writer.
    as_user(old).put_object(Bucket=POLICY_BUCKET, Key="by-user.txt", Body=b"written by the user")
    # Suspended: a null version among real ones.
    s3.create_bucket(Bucket="mig-suspended")
    s3.put_bucket_versioning(Bucket="mig-suspended", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="mig-suspended", Key="k", Body=b"real version")
    s3.put_bucket_versioning(Bucket="mig-suspended", VersioningConfiguration={"Status": "Suspended"})
    s3.put_object(Bucket="mig-suspended", Key="k", Body=b"null version")
    s3.put_object(Bucket="mig-suspended", Key="only-null", Body=b"n")
    # Unversioned, more keys than a page of the export (1000) with nested prefixes, empty objects.
    s3.create_bucket(Bucket="mig-plain", ACL="public-read")
    for i in range(1100):
        s3.put_object(Bucket="mig-plain", Key=f"d{i % 7}/k{i:05d}", Body=b"" if i % 100 == 0 else b"v%d" % i)
    # Uploads in progress: two 5 MiB parts (a client completes it on a gateway later), one
    # with SHA-256 part checksums and its metadata, one the old server aborts between passes.
    s3.create_bucket(Bucket=UPLOADS_BUCKET)
    s3.put_object(Bucket=UPLOADS_BUCKET, Key="plain.txt", Body=b"an object beside the uploads")
    start_upload(s3, "open/two-parts.bin", [os.urandom(5 * MiB), os.urandom(5 * MiB)])
    start_upload(s3, "open/sha.bin", [os.urandom(MiB + 7), b"s" * 1000], ChecksumAlgorithm="SHA256",
                 ContentType="application/x-sha", Metadata={"origin": "single-node"}, Tagging="stage=upload",
                 StorageClass="STANDARD_IA")
    start_upload(s3, "open/aborted-later.bin", [b"a" * 4096])


def start_upload(s3, key, bodies, **kw):
    """An upload in progress with these parts (SHA-256 checksums when kw asks for them)."""
    upload_id = s3.create_multipart_upload(Bucket=UPLOADS_BUCKET, Key=key, **kw)["UploadId"]
    algo = {"ChecksumAlgorithm": kw["ChecksumAlgorithm"]} if "ChecksumAlgorithm" in kw else {}
    for n, body in enumerate(bodies, start=1):
        s3.upload_part(Bucket=UPLOADS_BUCKET, Key=key, UploadId=upload_id, PartNumber=n, Body=body, **algo)
    UPLOADS[key] = (upload_id, list(bodies))


def as_user(server):
    return s3_client(
        endpoint_url=server.endpoint, aws_access_key_id=USER, aws_secret_access_key=USER_SECRET,
        region_name=server.region, config=server.boto3().meta.config)


def migrate(old, config, *extra):
    argv, env = old.admin_command()
    argv = [str(silt_binary()), "admin", "migrate", "--from", old.endpoint, "--to", str(config), *extra]
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def world(ceph_cluster, tmp_path_factory):  # noqa: F811
    """The populated single-node silt, the config of the cluster it went to, the result of the
    migration, and two gateways on that cluster."""
    base = tmp_path_factory.mktemp("migrate")
    old = SiltServer(base / "old")
    old.start()
    gateways = []
    try:
        populate(old)
        config = rados_config(base / "silt-rados.json", ceph_cluster.conf, "migrate-" + os.urandom(8).hex())
        run = migrate(old, config)
        assert run.returncode == 0, run.stdout + run.stderr
        gateways = [start_gateway(base / name, config) for name in ("gw1", "gw2")]
        yield {"old": old, "config": config, "run": run, "gw": gateways}
    finally:
        for s in gateways + [old]:
            s.stop(timeout=10)


@pytest.fixture(scope="module")
def silt(world):
    """The borrowed client tests' server: the first gateway (conftest's s3/bucket use it)."""
    return world["gw"][0]


def buckets_of(server):
    return sorted(b["Name"] for b in server.boto3().list_buckets()["Buckets"])


def all_versions(s3, bucket):
    out, kw = [], {}
    while True:
        page = s3.list_object_versions(Bucket=bucket, MaxKeys=250, **kw)
        for v in page.get("Versions", []):
            v = dict(v)
            out.append(("V", v["Key"], v["VersionId"], v["IsLatest"], v["ETag"], v["Size"],
                        v["LastModified"], v["StorageClass"], v["Owner"]["ID"]))
        for d in page.get("DeleteMarkers", []):
            out.append(("D", d["Key"], d["VersionId"], d["IsLatest"], d["LastModified"], d["Owner"]["ID"]))
        if not page["IsTruncated"]:
            return out
        kw = {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": page["NextVersionIdMarker"]}


def all_keys(s3, bucket):
    """Every ListObjectsV2 page (the latest versions): on RADOS these come from the listing
    blocks and deltas, not from the version entries ListObjectVersions reads."""
    out, kw = [], {}
    while True:
        page = s3.list_objects_v2(Bucket=bucket, MaxKeys=250, **kw)
        out += [(o["Key"], o["ETag"], o["Size"], o["LastModified"], o["StorageClass"]) for o in page.get("Contents", [])]
        if not page["IsTruncated"]:
            return out
        kw = {"ContinuationToken": page["NextContinuationToken"]}


def test_migration_reports_what_it_copied(world):
    out = world["run"].stdout
    assert "users            1 added, 0 removed" in out, out
    assert "buckets          4 created" in out, out
    assert " 0 removed" in out, out
    assert "uploads          3 added, 5 parts copied, 0 parts already there, 0 removed" in out, out


def test_list_object_versions_match_on_both_gateways(world):
    old = world["old"].boto3()
    assert buckets_of(world["old"]) == buckets_of(world["gw"][0]) == buckets_of(world["gw"][1])
    for bucket in buckets_of(world["old"]):
        want = all_versions(old, bucket)
        assert len(want) > 0
        for gw in world["gw"]:
            assert all_versions(gw.boto3(), bucket) == want, bucket


def test_list_objects_match_on_both_gateways(world):
    old = world["old"].boto3()
    for bucket in buckets_of(world["old"]):
        want = all_keys(old, bucket)
        assert len(want) > 0
        for gw in world["gw"]:
            assert all_keys(gw.boto3(), bucket) == want, bucket


def headers_of(s3, bucket, key, version_id, **kw):
    r = s3.get_object(Bucket=bucket, Key=key, VersionId=version_id, ChecksumMode="ENABLED", **kw)
    body = r["Body"].read()
    h = r["ResponseMetadata"]["HTTPHeaders"]
    keep = {k: v for k, v in h.items() if k not in ("date", "x-amz-request-id", "x-amz-id-2", "server",
                                                     "connection", "keep-alive")}
    return hashlib.sha256(body).hexdigest(), keep


def test_every_version_reads_the_same(world):
    old, new = world["old"].boto3(), world["gw"][1].boto3()
    n = 0
    for bucket in ("mig-versions", "mig-suspended"):
        for v in all_versions(old, bucket):
            if v[0] != "V":
                continue
            key, vid = v[1], v[2]
            assert headers_of(new, bucket, key, vid) == headers_of(old, bucket, key, vid), (bucket, key, vid)
            assert (new.get_object_tagging(Bucket=bucket, Key=key, VersionId=vid)["TagSet"]
                    == old.get_object_tagging(Bucket=bucket, Key=key, VersionId=vid)["TagSet"])
            assert (new.get_object_acl(Bucket=bucket, Key=key, VersionId=vid)["Grants"]
                    == old.get_object_acl(Bucket=bucket, Key=key, VersionId=vid)["Grants"])
            n += 1
    assert n >= 10
    tags = new.get_object_tagging(Bucket="mig-versions", Key="tagged/acl.bin")["TagSet"]
    assert {t["Key"]: t["Value"] for t in tags} == {"team": "blue", "tier": "1"}
    assert new.head_object(Bucket="mig-versions", Key="cool/ia.bin")["StorageClass"] == "STANDARD_IA"
    assert "ChecksumSHA256" in new.head_object(Bucket="mig-versions", Key="sum.bin", ChecksumMode="ENABLED")
    # The delete marker still hides its key.
    with pytest.raises(Exception) as e:
        new.head_object(Bucket="mig-versions", Key="gone.txt")
    assert e.value.response["Error"]["Code"] == "404"
    # Unversioned: the bytes of a sample, empty objects included.
    for i in (0, 1, 100, 555, 1099):
        key = f"d{i % 7}/k{i:05d}"
        assert (new.get_object(Bucket="mig-plain", Key=key)["Body"].read()
                == old.get_object(Bucket="mig-plain", Key=key)["Body"].read())


def test_multipart_layout_carries_over(world):
    old, new = world["old"].boto3(), world["gw"][0].boto3()
    key = "big/multi.bin"
    vid = old.head_object(Bucket=POLICY_BUCKET, Key=key)["VersionId"]
    for n in (1, 2):
        assert (headers_of(new, POLICY_BUCKET, key, vid, PartNumber=n)
                == headers_of(old, POLICY_BUCKET, key, vid, PartNumber=n))
    attrs = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]
    a = old.get_object_attributes(Bucket=POLICY_BUCKET, Key=key, ObjectAttributes=attrs)
    b = new.get_object_attributes(Bucket=POLICY_BUCKET, Key=key, ObjectAttributes=attrs)
    for r in (a, b):
        r.pop("ResponseMetadata")
    assert b == a
    assert a["ObjectParts"]["TotalPartsCount"] == 2


def without_metadata(answer):
    answer.pop("ResponseMetadata")
    return answer


def uploads_of(s3):
    return without_metadata(s3.list_multipart_uploads(Bucket=UPLOADS_BUCKET))


def parts_of(s3, key, upload_id):
    return without_metadata(s3.list_parts(Bucket=UPLOADS_BUCKET, Key=key, UploadId=upload_id))


def raw_answer(server, key="", params=()):
    """A raw GET on the uploads bucket: (status, body without its RequestId)."""
    r = server.request("GET", UPLOADS_BUCKET, key, params=list(params))
    return r.status, re.sub(rb"<RequestId>[^<]*</RequestId>", b"", r.body)


def test_uploads_in_progress_carry_over(world):
    old = world["old"]
    want = uploads_of(old.boto3())
    assert sorted(u["Key"] for u in want["Uploads"]) == sorted(UPLOADS)
    raw_uploads = raw_answer(old, params=[("uploads", None)])
    for gw in world["gw"]:
        assert uploads_of(gw.boto3()) == want
        assert raw_answer(gw, params=[("uploads", None)]) == raw_uploads
        for key, (upload_id, bodies) in UPLOADS.items():
            parts = parts_of(gw.boto3(), key, upload_id)
            assert parts == parts_of(old.boto3(), key, upload_id), key
            assert [p["Size"] for p in parts["Parts"]] == [len(b) for b in bodies]
            assert (raw_answer(gw, key, [("uploadId", upload_id)])
                    == raw_answer(old, key, [("uploadId", upload_id)])), key
    # The SHA-256 upload keeps its algorithm and each part its checksum.
    upload_id, bodies = UPLOADS["open/sha.bin"]
    parts = parts_of(world["gw"][1].boto3(), "open/sha.bin", upload_id)
    assert parts["StorageClass"] == "STANDARD_IA"
    assert [p["ChecksumSHA256"] for p in parts["Parts"]] == [
        base64.b64encode(hashlib.sha256(b).digest()).decode() for b in bodies]


def test_awscli_lists_uploads_on_the_gateway(world):
    def listing(server):
        return json.loads(server.aws("s3api", "list-multipart-uploads", "--bucket", UPLOADS_BUCKET).stdout)
    want = listing(world["old"])
    assert len(want["Uploads"]) == len(UPLOADS)
    assert listing(world["gw"][0]) == want


def raw_document(server, bucket, name):
    r = server.request("GET", bucket, params=[(name, "")])
    return r.status, r.body


def test_bucket_documents_byte_for_byte(world):
    old = world["old"]
    for bucket in buckets_of(old):
        for name in DOCUMENTS:
            want = raw_document(old, bucket, name)
            for gw in world["gw"]:
                got = raw_document(gw, bucket, name)
                if want[0] != 200:  # an error document names its RequestId: compare the code
                    assert got[0] == want[0] and got[1].split(b"<RequestId>")[0] == want[1].split(b"<RequestId>")[0]
                else:
                    assert got == want, (bucket, name)
    assert raw_document(world["gw"][0], POLICY_BUCKET, "policy")[0] == 200


def test_users_and_their_policy_carry_over(world):
    for gw in world["gw"]:
        user = as_user(gw)
        assert user.get_object(Bucket=POLICY_BUCKET, Key="by-user.txt")["Body"].read() == b"written by the user"
        user.put_object(Bucket=POLICY_BUCKET, Key="after/user.txt", Body=b"new")
        with pytest.raises(Exception) as e:  # the policy names one bucket only
            user.list_objects_v2(Bucket="mig-suspended")
        assert e.value.response["Error"]["Code"] == "AccessDenied"


def test_second_run_copies_nothing_new(world, ceph_cluster):  # noqa: F811
    # Each gateway wrote a version of after/user.txt into the cluster meanwhile (the test
    # above): a second pass makes the cluster equal to the source again, so both go.
    run = migrate(world["old"], world["config"])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "versions         0 copied, 0 records updated" in run.stdout, run.stdout
    assert "2 removed" in run.stdout, run.stdout
    for gw in world["gw"]:
        assert "Versions" not in gw.boto3().list_object_versions(Bucket=POLICY_BUCKET, Prefix="after/")
    # Parts already there are not copied (nor duplicated) again.
    assert "uploads          0 added, 0 parts copied, 5 parts already there, 0 removed" in run.stdout, run.stdout
    key = "open/two-parts.bin"
    assert len(parts_of(world["gw"][0].boto3(), key, UPLOADS[key][0])["Parts"]) == 2


def multipart_etag(bodies):
    return '"%s-%d"' % (hashlib.md5(b"".join(hashlib.md5(b).digest() for b in bodies)).hexdigest(), len(bodies))


def complete(s3, key, upload_id, body):
    """Part 3 of the two-part upload, then Complete with every part -> the object's ETag."""
    s3.upload_part(Bucket=UPLOADS_BUCKET, Key=key, UploadId=upload_id, PartNumber=3, Body=body)
    parts = [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]}
             for p in s3.list_parts(Bucket=UPLOADS_BUCKET, Key=key, UploadId=upload_id)["Parts"]]
    assert [p["PartNumber"] for p in parts] == [1, 2, 3]
    return s3.complete_multipart_upload(Bucket=UPLOADS_BUCKET, Key=key, UploadId=upload_id,
                                        MultipartUpload={"Parts": parts})["ETag"]


def test_upload_started_on_the_old_server_completes_on_a_gateway(world):
    key = "open/two-parts.bin"
    upload_id, bodies = UPLOADS[key]
    third = os.urandom(1000)
    gw, other = world["gw"][0].boto3(), world["gw"][1].boto3()
    etag = complete(gw, key, upload_id, third)
    # What the old server makes of the same upload with the same third part.
    old = world["old"].boto3()
    assert complete(old, key, upload_id, third) == etag == multipart_etag(bodies + [third])
    for s3 in (other, old):
        got = s3.get_object(Bucket=UPLOADS_BUCKET, Key=key)
        assert got["ETag"] == etag and got["Body"].read() == b"".join(bodies) + third
    with pytest.raises(Exception) as e:
        other.list_parts(Bucket=UPLOADS_BUCKET, Key=key, UploadId=upload_id)
    assert e.value.response["Error"]["Code"] == "NoSuchUpload"
    del UPLOADS[key]


def test_second_pass_follows_the_uploads_and_verifies(world):
    old, gw = world["old"], world["gw"][1]
    s3 = old.boto3()
    # Since the last pass: an upload aborted, one started, a part added to another.
    aborted_id = UPLOADS.pop("open/aborted-later.bin")[0]
    s3.abort_multipart_upload(Bucket=UPLOADS_BUCKET, Key="open/aborted-later.bin", UploadId=aborted_id)
    start_upload(s3, "open/late.bin", [b"l" * 2000])
    sha_id, sha_bodies = UPLOADS["open/sha.bin"]
    s3.upload_part(Bucket=UPLOADS_BUCKET, Key="open/sha.bin", UploadId=sha_id, PartNumber=3, Body=b"3" * 300,
                   ChecksumAlgorithm="SHA256")
    sha_bodies.append(b"3" * 300)
    run = migrate(old, world["config"], "--verify", gw.endpoint)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "uploads          1 added, 2 parts copied, 2 parts already there, 1 removed" in run.stdout, run.stdout
    assert "result           identical" in run.stdout and "uploads          2 in progress" in run.stdout, run.stdout
    for g in world["gw"]:
        c = g.boto3()
        assert uploads_of(c) == uploads_of(s3)
        with pytest.raises(Exception) as e:
            c.list_parts(Bucket=UPLOADS_BUCKET, Key="open/aborted-later.bin", UploadId=aborted_id)
        assert e.value.response["Error"]["Code"] == "NoSuchUpload"
        assert parts_of(c, "open/sha.bin", sha_id) == parts_of(s3, "open/sha.bin", sha_id)
    # The verify step sees an upload the cluster lacks.
    late_id = UPLOADS["open/late.bin"][0]
    gw.boto3().abort_multipart_upload(Bucket=UPLOADS_BUCKET, Key="open/late.bin", UploadId=late_id)
    run = migrate(old, world["config"], "--verify", gw.endpoint, "--verify-only")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "DIFFERS" in run.stdout and f"{UPLOADS_BUCKET}?uploads" in run.stdout, run.stdout
    # The next pass brings it back, with the same upload id.
    run = migrate(old, world["config"])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "uploads          1 added, 1 parts copied, 3 parts already there, 0 removed" in run.stdout, run.stdout
    assert parts_of(gw.boto3(), "open/late.bin", late_id) == parts_of(s3, "open/late.bin", late_id)


def test_awscli_round_trip_with_the_same_keys(world, tmp_path):
    gw = world["gw"][0]
    listing = gw.aws("s3", "ls", f"s3://{POLICY_BUCKET}/big/").stdout
    assert "multi.bin" in listing
    gw.aws("s3", "cp", f"s3://{POLICY_BUCKET}/sum.bin", str(tmp_path / "sum.bin"))
    want = world["old"].boto3().get_object(Bucket=POLICY_BUCKET, Key="sum.bin")["Body"].read()
    assert (tmp_path / "sum.bin").read_bytes() == want
    gw.aws("s3", "cp", str(tmp_path / "sum.bin"), f"s3://{POLICY_BUCKET}/aws/roundtrip.bin")
    assert world["gw"][1].boto3().get_object(Bucket=POLICY_BUCKET, Key="aws/roundtrip.bin")["Body"].read() == want


def test_rclone_lsf_copy_check(world, tmp_path):
    gw = world["gw"][1]
    names = gw.rclone("lsf", "-R", "other:mig-plain/d3").stdout.split()
    assert len(names) == len([i for i in range(1100) if i % 7 == 3])
    gw.rclone("copy", "other:mig-plain/d3", str(tmp_path / "d3"))
    gw.rclone("check", str(tmp_path / "d3"), "other:mig-plain/d3")
    old = world["old"]
    old.rclone("check", str(tmp_path / "d3"), "other:mig-plain/d3")


def admin_call(server, method, call):
    """A signed admin API call on a raw connection -> (status, body)."""
    r = server.request(method, "_silt", "admin/v1/" + call)
    return r.status, r.body


def assert_slow_down(r):
    status = getattr(r, "status", None)
    assert status == 503, (status, r.body)
    assert b"<Code>SlowDown</Code>" in r.body and b"<RequestId>" in r.body, r.body


def test_final_pass_under_freeze_copies_changes_and_verifies(world, tmp_path):
    old, s3 = world["old"], world["old"].boto3()
    gw = world["gw"][0]
    # Changes since pass 1: new keys, an overwrite (a new version), a version removed for
    # good, a delete marker, tags changed on an old version, a document changed, one removed.
    vids = [v["VersionId"] for v in s3.list_object_versions(Bucket=POLICY_BUCKET, Prefix="doc.txt")["Versions"]]
    s3.put_object(Bucket=POLICY_BUCKET, Key="doc.txt", Body=b"version 3\n")
    s3.delete_object(Bucket=POLICY_BUCKET, Key="doc.txt", VersionId=vids[-1])
    s3.delete_object(Bucket=POLICY_BUCKET, Key="sum.bin")
    for i in range(40):
        s3.put_object(Bucket="mig-plain", Key=f"new/{i:03d}", Body=os.urandom(100 + i))
    s3.put_object(Bucket="mig-suspended", Key="k", Body=b"the null version again")
    s3.delete_bucket_cors(Bucket=POLICY_BUCKET)
    state = tmp_path / "migrate.state"
    # An online run that keeps the digests of what it copied...
    run = migrate(old, world["config"], "--state", str(state))
    assert run.returncode == 0, run.stdout + run.stderr
    copied, updated, removed = map(int, re.search(
        r"versions +(\d+) copied, (\d+) records updated, \d+ already there, (\d+) removed", run.stdout).groups())
    assert copied >= 42 and removed >= 2, run.stdout
    # ... then changes, and the final run freezing at once: pass 2 reads only what changed.
    s3.put_object_tagging(Bucket=POLICY_BUCKET, Key="doc.txt", VersionId=vids[0],
                          Tagging={"TagSet": [{"Key": "changed", "Value": "yes"}]})
    s3.delete_object(Bucket="mig-plain", Key="d1/k00001")
    s3.put_object(Bucket="mig-plain", Key="after-state", Body=b"late")
    s3.put_bucket_tagging(Bucket=POLICY_BUCKET, Tagging={"TagSet": [{"Key": "cost", "Value": "changed"}]})
    r = old.admin("user", "add", "late-user", "--secret-stdin", input="late-user-secret-0123\n")
    assert r.returncode == 0, r.stderr
    up = s3.create_multipart_upload(Bucket="mig-plain", Key="frozen-upload")

    run = migrate(old, world["config"], "--final", "--online-passes", "0", "--state", str(state),
                  "--verify", gw.endpoint)
    try:
        assert run.returncode == 0, run.stdout + run.stderr
        out = run.stdout
        assert "froze " in out and "result           identical" in out and "freeze window" in out, out
        assert "versions         1 copied, 1 records updated" in out and " 1 removed" in out, out
        assert "users            1 added, 0 removed" in out, out
        # Frozen: every kind of write is refused with SlowDown, reads are served.
        assert_slow_down(old.request("PUT", "mig-plain", "frozen-put", body=b"x"))
        assert_slow_down(old.request("PUT", "mig-plain", "frozen-upload", body=b"p" * 100,
                                     params=[("partNumber", "1"), ("uploadId", up["UploadId"])]))
        assert_slow_down(old.request("DELETE", "mig-plain", "new/000"))
        assert_slow_down(old.request("PUT", POLICY_BUCKET, params=[("tagging", None)],
                                     body=b"<Tagging><TagSet></TagSet></Tagging>"))
        assert_slow_down(old.request("PUT", "mig-frozen-bucket"))
        r = old.admin("user", "add", "frozen-user", "--secret-stdin", input="frozen-user-secret-0\n")
        assert r.returncode != 0 and "SlowDown" in r.stderr, r.stderr
        assert old.request("GET", "mig-plain", "new/000").status == 200
        assert old.request("GET", POLICY_BUCKET, params=[("versions", None)]).status == 200
        status, body = admin_call(old, "GET", "freeze")
        assert status == 200 and json.loads(body)["frozen"] is True
    finally:
        un = migrate(old, world["config"], "--unfreeze")
        assert un.returncode == 0, un.stdout + un.stderr
    # The gateways show every change.
    for g in world["gw"]:
        c = g.boto3()
        assert c.get_object(Bucket=POLICY_BUCKET, Key="doc.txt")["Body"].read() == b"version 3\n"
        assert vids[-1] not in [v["VersionId"] for v in
                                c.list_object_versions(Bucket=POLICY_BUCKET, Prefix="doc.txt")["Versions"]]
        tags = c.get_object_tagging(Bucket=POLICY_BUCKET, Key="doc.txt", VersionId=vids[0])["TagSet"]
        assert tags == [{"Key": "changed", "Value": "yes"}]
        assert c.get_object(Bucket="mig-plain", Key="new/039")["ContentLength"] == 139
        assert raw_document(g, POLICY_BUCKET, "cors")[0] == 404
        assert c.get_object(Bucket="mig-plain", Key="after-state")["Body"].read() == b"late"
    # A user removed from the old server after the final pass loses the gateways too at the
    # next run (here: --verify-only copies nothing, so a plain run).
    late = s3_client(
        endpoint_url=gw.endpoint, aws_access_key_id="late-user",
        aws_secret_access_key="late-user-secret-0123", region_name=gw.region, config=gw.boto3().meta.config)
    late.list_buckets()
    r = old.admin("user", "remove", "late-user")
    assert r.returncode == 0, r.stderr
    run = migrate(old, world["config"])
    assert run.returncode == 0 and "users            0 added, 1 removed" in run.stdout, run.stdout + run.stderr
    with pytest.raises(Exception) as e:
        late.list_buckets()
    assert e.value.response["Error"]["Code"] == "InvalidAccessKeyId"
    # Unfrozen: the old server writes again.
    assert old.request("PUT", "mig-plain", "after-unfreeze", body=b"x").status == 200
    s3.abort_multipart_upload(Bucket="mig-plain", Key="frozen-upload", UploadId=up["UploadId"])


def test_export_and_freeze_are_root_only_and_bounded(world):
    old = world["old"]
    for method, call in (("GET", "export/buckets"), ("GET", "export/versions?bucket=mig-plain"),
                         ("GET", f"export/uploads?bucket={UPLOADS_BUCKET}"),
                         ("GET", f"export/parts?bucket={UPLOADS_BUCKET}&key=k&upload-id=u"),
                         ("GET", f"export/part-data?bucket={UPLOADS_BUCKET}&key=k&upload-id=u&part-number=1"),
                         ("PUT", "freeze"), ("DELETE", "freeze")):
        path, _, query = call.partition("?")
        params = [tuple(q.split("=")) for q in query.split("&")] if query else []
        signer = s3raw.Signer(USER, USER_SECRET, old.region, old.host)
        target = "/_silt/admin/v1/" + path
        h = signer.sign(method, target, params, {}, s3raw.EMPTY_SHA256)
        if method in ("PUT", "POST"):
            h["Content-Length"] = "0"
        conn = old.raw()
        try:
            r = conn.request(method, target + ("?" + s3raw.encode_query(params) if params else ""), h, b"")
        finally:
            conn.close()
        assert r.status == 403 and b"<Code>AccessDenied</Code>" in r.body, (call, r.status, r.body)
    # A data window past 16 MiB is refused, not served.
    r = old.request("GET", "_silt", "admin/v1/export/data",
                    params=[("bucket", "mig-plain"), ("key", "d0/k00007"), ("version-id", "null"),
                            ("length", str((16 << 20) + 1))])
    assert r.status == 400 and b"<Code>InvalidArgument</Code>" in r.body, r.body
    status, body = admin_call(old, "GET", "freeze")
    assert status == 200 and json.loads(body)["frozen"] is False
    assert old.request("PUT", "mig-plain", "still-writable", body=b"x").status == 200


def export_part_data(server, **params):
    q = {"bucket": UPLOADS_BUCKET, "key": "open/sha.bin", "upload-id": UPLOADS["open/sha.bin"][0], **params}
    return server.request("GET", "_silt", "admin/v1/export/part-data", params=list(q.items()))


def assert_refused(r, status, code):
    assert r.status == status and b"<Code>%s</Code>" % code.encode() in r.body and b"<RequestId>" in r.body, (
        r.status, r.body)


def test_export_of_uploads_refuses_hostile_requests(world):
    old = world["old"]
    body = UPLOADS["open/sha.bin"][1][0]
    # A window of a part: its bytes, cut at the part's end.
    r = export_part_data(old, **{"part-number": "1", "offset": "1000", "length": "5000"})
    assert r.status == 200 and r.body == body[1000:6000]
    r = export_part_data(old, **{"part-number": "1", "offset": str(len(body) - 3)})
    assert r.status == 200 and r.body == body[-3:]
    # An upload id that names nothing, or cannot be one.
    for upload_id in ("0" * 48, "../../etc/passwd", "x" * 200):
        assert_refused(export_part_data(old, **{"upload-id": upload_id, "part-number": "1"}), 404, "NoSuchUpload")
        r = old.request("GET", "_silt", "admin/v1/export/parts",
                        params=[("bucket", UPLOADS_BUCKET), ("key", "open/sha.bin"), ("upload-id", upload_id)])
        assert_refused(r, 404, "NoSuchUpload")
    # Part numbers out of range or not numbers; a part never uploaded; past a part's end.
    for n in ("0", "10001", "-1", "1x", "", "99999999999999999999"):
        assert_refused(export_part_data(old, **{"part-number": n}), 400, "InvalidArgument")
    assert_refused(export_part_data(old, **{"part-number": "9"}), 400, "InvalidPart")
    assert_refused(export_part_data(old, **{"part-number": "1", "offset": str(len(body) + 1)}), 416, "InvalidRange")
    # Windows past 16 MiB, or not whole numbers.
    for window in ({"length": str((16 << 20) + 1)}, {"length": "-5"}, {"offset": "1e3"}):
        assert_refused(export_part_data(old, **{"part-number": "1", **window}), 400, "InvalidArgument")
    # Keys and markers past S3's 1024 bytes; a part-number-marker out of range.
    assert_refused(export_part_data(old, **{"part-number": "1", "key": "k" * 1025}), 400, "InvalidArgument")
    r = old.request("GET", "_silt", "admin/v1/export/uploads",
                    params=[("bucket", UPLOADS_BUCKET), ("key-marker", "k" * 1025)])
    assert_refused(r, 400, "InvalidArgument")
    r = old.request("GET", "_silt", "admin/v1/export/parts",
                    params=[("bucket", UPLOADS_BUCKET), ("key", "open/sha.bin"),
                            ("upload-id", UPLOADS["open/sha.bin"][0]), ("part-number-marker", "10001")])
    assert_refused(r, 400, "InvalidArgument")
    r = old.request("GET", "_silt", "admin/v1/export/uploads", params=[("bucket", "no-such-bucket-here")])
    assert_refused(r, 404, "NoSuchBucket")


def test_verify_reports_a_difference(world):
    """The verify step is not a rubber stamp: a key the cluster lacks fails it."""
    gw = world["gw"][1]
    gw.boto3().delete_object(Bucket="mig-plain", Key="d2/k00002")
    argv, env = world["old"].admin_command()
    # Pass 1 without --final would copy the key back; --verify alone compares.
    run = migrate(world["old"], world["config"], "--verify", gw.endpoint)
    assert run.returncode == 0, run.stdout + run.stderr  # the copy put it back first
    gw.boto3().delete_object(Bucket="mig-plain", Key="d2/k00002")
    run = subprocess.run([str(silt_binary()), "admin", "migrate", "--from", world["old"].endpoint, "--to",
                          str(world["config"]), "--verify", gw.endpoint, "--verify-only"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "DIFFERS" in run.stdout and "mig-plain?versions" in run.stdout, run.stdout


def test_list_buckets_creation_dates_carry_over(world):
    """ListBuckets answers each bucket's CreationDate on the gateways as on the old server:
    the export gives it and the import creates the bucket with it, not at the migration's time."""
    def dates(server):
        return [(b["Name"], b["CreationDate"]) for b in server.boto3().list_buckets()["Buckets"]]
    want = dates(world["old"])
    assert {"mig-plain", "mig-suspended", "mig-versions"} <= {name for name, _ in want}
    for gw in world["gw"]:
        assert dates(gw) == want


def test_freeze_pauses_the_old_servers_lifecycle(ceph_cluster, tmp_path):  # noqa: F811
    """The freeze pauses the old server's lifecycle worker: objects due for expiration stay
    while it is frozen (a pass asked for ends at once, paused; the verify step finds both
    sides identical), and go once it is unfrozen, without being asked again."""
    old = SiltServer(tmp_path / "old")
    old.start(["--lifecycle-day-seconds", "1", "--lifecycle-interval", "0"])
    gw = None
    try:
        s3 = old.boto3()
        s3.create_bucket(Bucket="lc-frozen")
        s3.put_bucket_lifecycle_configuration(Bucket="lc-frozen", LifecycleConfiguration={"Rules": [
            {"ID": "expire-all", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}}]})
        for i in range(5):
            s3.put_object(Bucket="lc-frozen", Key=f"due/{i}", Body=b"x" * (i + 1))
        config = rados_config(tmp_path / "silt-rados.json", ceph_cluster.conf, "lcfreeze-" + os.urandom(8).hex())
        run = migrate(old, config)
        assert run.returncode == 0, run.stdout + run.stderr
        gw = start_gateway(tmp_path / "gw", config)
        time.sleep(2.2)  # lifecycle days of a second: every object is due now
        run = migrate(old, config, "--final", "--online-passes", "0", "--verify", gw.endpoint)
        assert run.returncode == 0 and "result           identical" in run.stdout, run.stdout + run.stderr
        r = old.admin("--json", "lifecycle", "run")
        assert r.returncode == 0, r.stdout + r.stderr
        assert s3.list_objects_v2(Bucket="lc-frozen")["KeyCount"] == 5
        last = json.loads(old.admin("--json", "lifecycle", "status").stdout)["last"]
        assert last["paused"] is True and last["expired"] == 0, last
        run = migrate(old, config, "--verify", gw.endpoint, "--verify-only")
        assert run.returncode == 0 and "result           identical" in run.stdout, run.stdout + run.stderr
        un = migrate(old, config, "--unfreeze")
        assert un.returncode == 0, un.stdout + un.stderr
        # Unfrozen: the worker resumes the paused pass by itself.
        deadline = time.time() + 30
        while s3.list_objects_v2(Bucket="lc-frozen")["KeyCount"] > 0 and time.time() < deadline:
            time.sleep(0.5)
        assert s3.list_objects_v2(Bucket="lc-frozen")["KeyCount"] == 0
        last = json.loads(old.admin("--json", "lifecycle", "status").stdout)["last"]
        assert last["paused"] is False and last["expired"] == 5, last
    finally:
        for s in ([gw] if gw else []) + [old]:
            s.stop(timeout=10)


def test_killed_migration_leaks_nothing(ceph_cluster, tmp_path):  # noqa: F811
    """kill -9 of `silt admin migrate` mid-copy: every data object it wrote is named by a write
    intent (the orphan check finds no orphan), a gateway's sweeper reclaims them once the
    intent timeout has passed, and a run again completes and verifies identical."""
    old = SiltServer(tmp_path / "old")
    old.start()
    gw = proc = None
    try:
        s3 = old.boto3()
        s3.create_bucket(Bucket="mig-killed")
        s3.put_bucket_versioning(Bucket="mig-killed", VersioningConfiguration={"Status": "Enabled"})
        # Keys of many versions: the import copies all of a key's data before the op that
        # names it, so the copy is caught between the two for seconds.
        blob = os.urandom(4 * MiB)
        for key in ("a/many", "b/many"):
            for i in range(16):
                s3.put_object(Bucket="mig-killed", Key=key, Body=blob[i * 1000:] + blob[:i * 1000])
        up = s3.create_multipart_upload(Bucket="mig-killed", Key="c/multi")
        parts = [{"PartNumber": n, "ETag": s3.upload_part(Bucket="mig-killed", Key="c/multi", UploadId=up["UploadId"],
                                                          PartNumber=n, Body=body)["ETag"]}
                 for n, body in enumerate((os.urandom(5 * MiB), os.urandom(MiB + 5)), start=1)]
        s3.complete_multipart_upload(Bucket="mig-killed", Key="c/multi", UploadId=up["UploadId"],
                                     MultipartUpload={"Parts": parts})
        config = rados_config(tmp_path / "silt-rados.json", ceph_cluster.conf, "killed-" + os.urandom(8).hex())
        _, env = old.admin_command()
        proc = subprocess.Popen([str(silt_binary()), "admin", "migrate", "--from", old.endpoint, "--to", str(config),
                                 "--jobs", "1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        # Mid-copy: data objects in the pool that no version names yet (named by an intent,
        # or, without intents, by nothing).
        deadline = time.time() + 120
        while True:
            rc, out = rados_orphans(config, 0.001)
            caught = re.search(r"^orphan ", out, re.M) or any(
                int(n) > 0 for n in re.findall(r"^stale-intent .* (\d+) data objects$", out, re.M))
            if caught:
                break
            assert proc.poll() is None, "the migration ended before it was caught mid-copy: " + out
            assert time.time() < deadline, out
        proc.kill()
        proc.wait(timeout=30)
        # Nothing unnamed: the killed run's data is its intents' (not stale under the config's timeout).
        rc, out = rados_orphans(config, 0)
        assert rc == 0, out
        rc, out = rados_orphans(config, 0.001)
        assert rc == 1 and "stale-intent" in out and not re.search(r"^orphan ", out, re.M), out
        # A gateway whose intent timeout has passed sweeps them: data and intents go.
        sweeping = json.loads(config.read_text())
        sweeping["rados"].update({"intent_timeout_seconds": 1, "gc_interval_seconds": 1})
        (tmp_path / "sweep.json").write_text(json.dumps(sweeping))
        gw = start_gateway(tmp_path / "sweeper", tmp_path / "sweep.json")
        deadline = time.time() + 60
        while (rc := rados_orphans(config, 0.001))[0] != 0 and time.time() < deadline:
            time.sleep(1)
        assert rc[0] == 0, rc[1]
        gw.stop(timeout=10)
        # Run again: it completes, and the cluster answers what the old server answers.
        gw = start_gateway(tmp_path / "gw", config)
        run = migrate(old, config, "--verify", gw.endpoint)
        assert run.returncode == 0 and "result           identical" in run.stdout, run.stdout + run.stderr
        rc, out = rados_orphans(config, 0.001)
        assert rc == 0, out
    finally:
        if proc and proc.poll() is None:
            proc.kill()
            proc.wait()
        for s in ([gw] if gw else []) + [old]:
            s.stop(timeout=10)


# The Spark s3a replay against the migrated cluster's gateway (silt fixture above).
borrow(globals(), test_s3a_patterns,
       "test_get_file_status_probes", "test_mkdirs_puts_directory_marker", "test_rename_directory",
       "test_ranged_reads_with_if_match")
