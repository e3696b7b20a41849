"""`silt admin rebuild-index`: delete the index of a stopped silt, rebuild it from
the drives alone, and everything a client can see is exactly as before (issue 5).
"""
import hashlib
import shutil
import subprocess

import pytest

from silt_server import SiltServer, silt_binary

MiB = 1 << 20


def rebuild_argv(server):
    return [str(silt_binary()), "admin", "rebuild-index", "--data", str(server.data_dir)]


def drop_volatile(d):
    d.pop("ResponseMetadata", None)
    return d


def snapshot(s3, buckets):
    """Everything the listing shows, as plain data."""
    snap = {"buckets": sorted((b["Name"], b["CreationDate"].isoformat())
                              for b in s3.list_buckets()["Buckets"])}
    for b in buckets:
        per = snap[b] = {}
        per["versioning"] = drop_volatile(s3.get_bucket_versioning(Bucket=b))
        versions = drop_volatile(s3.list_object_versions(Bucket=b))
        per["versions"] = versions
        per["objects_v2"] = drop_volatile(s3.list_objects_v2(Bucket=b))
        heads, tags = {}, {}
        for v in versions.get("Versions", []):
            vid = v["VersionId"]
            h = drop_volatile(s3.head_object(Bucket=b, Key=v["Key"], VersionId=vid))
            heads[(v["Key"], vid)] = h
            tags[(v["Key"], vid)] = s3.get_object_tagging(Bucket=b, Key=v["Key"], VersionId=vid)["TagSet"]
        per["heads"], per["tags"] = heads, tags
        uploads = drop_volatile(s3.list_multipart_uploads(Bucket=b))
        per["uploads"] = uploads
        per["parts"] = {u["UploadId"]: drop_volatile(s3.list_parts(Bucket=b, Key=u["Key"], UploadId=u["UploadId"]))
                        for u in uploads.get("Uploads", [])}
        for name, call in (("lifecycle", s3.get_bucket_lifecycle_configuration), ("cors", s3.get_bucket_cors)):
            try:
                per[name] = drop_volatile(call(Bucket=b))
            except s3.exceptions.ClientError as e:
                per[name] = e.response["Error"]["Code"]
    return snap


def bodies(s3, buckets):
    out = {}
    for b in buckets:
        for v in s3.list_object_versions(Bucket=b).get("Versions", []):
            body = s3.get_object(Bucket=b, Key=v["Key"], VersionId=v["VersionId"])["Body"].read()
            out[(b, v["Key"], v["VersionId"])] = hashlib.sha256(body).hexdigest()
    return out


@pytest.fixture
def server(tmp_path):
    s = SiltServer(tmp_path)
    s.start()
    yield s
    s.stop()


def build_state(s3):
    plain, ver, susp, empty = "rb-plain", "rb-versioned", "rb-suspended", "rb-empty"
    for b in (plain, ver, susp, empty):
        s3.create_bucket(Bucket=b)
    s3.put_bucket_versioning(Bucket=ver, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_versioning(Bucket=susp, VersioningConfiguration={"Status": "Enabled"})

    s3.put_object(Bucket=plain, Key="doc.txt", Body=b"first", ContentType="text/plain",
                  Metadata={"color": "blue"}, Tagging="project=lake&tier=1")
    s3.put_object(Bucket=plain, Key="doc.txt", Body=b"second, overwritten", ContentType="text/markdown",
                  Metadata={"color": "red"})
    s3.put_object(Bucket=plain, Key="cold/ia.bin", Body=b"c" * 300000, StorageClass="STANDARD_IA",
                  CacheControl="max-age=5")
    s3.put_object(Bucket=plain, Key="deleted", Body=b"x")
    s3.delete_object(Bucket=plain, Key="deleted")

    ids = [s3.put_object(Bucket=ver, Key="k", Body=f"version {i}".encode())["VersionId"] for i in range(3)]
    s3.delete_object(Bucket=ver, Key="k")  # a delete marker on top
    s3.delete_object(Bucket=ver, Key="k", VersionId=ids[1])  # a specific version removed
    s3.put_object(Bucket=ver, Key="other", Body=b"o" * 5000, StorageClass="STANDARD_IA")
    s3.put_object_tagging(Bucket=ver, Key="k", VersionId=ids[0], Tagging={"TagSet": [{"Key": "old", "Value": "1"}]})
    marker = s3.delete_object(Bucket=ver, Key="gone-marker")["VersionId"]
    s3.delete_object(Bucket=ver, Key="gone-marker", VersionId=marker)

    mp = s3.create_multipart_upload(Bucket=ver, Key="big", ContentType="video/mp4", Metadata={"m": "p"})
    p1 = s3.upload_part(Bucket=ver, Key="big", UploadId=mp["UploadId"], PartNumber=1, Body=b"1" * (5 * MiB))
    p2 = s3.upload_part(Bucket=ver, Key="big", UploadId=mp["UploadId"], PartNumber=2, Body=b"2" * 1000)
    s3.complete_multipart_upload(Bucket=ver, Key="big", UploadId=mp["UploadId"], MultipartUpload={"Parts": [
        {"PartNumber": 1, "ETag": p1["ETag"]}, {"PartNumber": 2, "ETag": p2["ETag"]}]})
    open1 = s3.create_multipart_upload(Bucket=plain, Key="open/with-parts", StorageClass="STANDARD_IA")
    s3.upload_part(Bucket=plain, Key="open/with-parts", UploadId=open1["UploadId"], PartNumber=1,
                   Body=b"a" * (5 * MiB))
    s3.upload_part(Bucket=plain, Key="open/with-parts", UploadId=open1["UploadId"], PartNumber=2, Body=b"tail")
    open2 = s3.create_multipart_upload(Bucket=ver, Key="open/no-parts")

    s3.put_object(Bucket=susp, Key="s", Body=b"real version")
    s3.put_bucket_versioning(Bucket=susp, VersioningConfiguration={"Status": "Suspended"})
    s3.put_object(Bucket=susp, Key="s", Body=b"null version")
    s3.put_object(Bucket=susp, Key="t", Body=b"t")
    s3.delete_object(Bucket=susp, Key="t")  # a null delete marker

    s3.put_bucket_lifecycle_configuration(Bucket=ver, LifecycleConfiguration={"Rules": [
        {"ID": "expire-logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 30}}]})
    s3.put_bucket_cors(Bucket=plain, CORSConfiguration={"CORSRules": [
        {"AllowedMethods": ["GET"], "AllowedOrigins": ["https://example.com"]}]})
    return [plain, ver, susp, empty], open1["UploadId"], open2["UploadId"]


def test_rebuild_from_drives_is_identical(server):
    s3 = server.boto3()
    buckets, open_with_parts, open_empty = build_state(s3)
    before = snapshot(s3, buckets)
    before_bodies = bodies(s3, buckets)
    assert len(before_bodies) == 8
    assert len(before["rb-plain"]["parts"][open_with_parts]["Parts"]) == 2

    assert server.stop() == 0
    shutil.rmtree(server.data_dir / "index")
    r = subprocess.run(rebuild_argv(server), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "versions        8" in out and "delete markers  2" in out, out
    assert "uploads         2" in out and "parts           2" in out, out
    assert "buckets         4 (0 inferred" in out and "skipped files   0" in out, out
    server.start()

    after = snapshot(s3, buckets)
    for b in buckets:
        assert after[b] == before[b], b
    assert after == before
    assert bodies(s3, buckets) == before_bodies

    # Keeps working: finish the open upload, write new objects, delete a marker.
    parts = s3.list_parts(Bucket="rb-plain", Key="open/with-parts", UploadId=open_with_parts)["Parts"]
    s3.complete_multipart_upload(Bucket="rb-plain", Key="open/with-parts", UploadId=open_with_parts,
                                 MultipartUpload={"Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]}
                                                            for p in parts]})
    got = s3.get_object(Bucket="rb-plain", Key="open/with-parts")
    assert got["StorageClass"] == "STANDARD_IA"
    assert got["Body"].read() == b"a" * (5 * MiB) + b"tail"
    s3.abort_multipart_upload(Bucket="rb-versioned", Key="open/no-parts", UploadId=open_empty)
    s3.put_object(Bucket="rb-versioned", Key="k", Body=b"newest")
    assert s3.get_object(Bucket="rb-versioned", Key="k")["Body"].read() == b"newest"
    assert len(s3.list_object_versions(Bucket="rb-versioned", Prefix="k")["Versions"]) == 3
    s3.delete_bucket(Bucket="rb-empty")

    # And a second rebuild, this time beside the old index, sees the new state.
    snap2 = snapshot(s3, ["rb-plain", "rb-versioned", "rb-suspended"])
    assert server.stop() == 0
    r = subprocess.run(rebuild_argv(server), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "previous index kept at" in r.stdout
    assert list(server.data_dir.glob("index.old-*"))
    server.start()
    assert snapshot(s3, ["rb-plain", "rb-versioned", "rb-suspended"]) == snap2


def test_rebuild_refuses_while_the_server_runs(server):
    s3 = server.boto3()
    s3.create_bucket(Bucket="rb-busy")
    s3.put_object(Bucket="rb-busy", Key="x", Body=b"x")
    r = subprocess.run(rebuild_argv(server), capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "in use by another process" in r.stderr and "silt server" in r.stderr
    assert not list(server.data_dir.glob("index.*")), "nothing may be left behind"
    assert s3.get_object(Bucket="rb-busy", Key="x")["Body"].read() == b"x"
