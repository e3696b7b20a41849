"""Bucket versioning with boto3 and rclone: Put/GetBucketVersioning, version ids
on PUT/COPY/Complete, GET/HEAD/DELETE/Copy by versionId, delete markers,
ListObjectVersions (markers, prefix, delimiter, encoding-type=url), the `null`
version, DeleteObjects with version ids, `rclone --s3-versions`.
clients.md §2 B-01, §3 A-09, §4 R-09; issue 3 item 4."""
import os
import re
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
from s3assert import client_error, code, hdrs, md5_etag

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def enable(s3, bucket, status="Enabled"):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})


@pytest.fixture
def vbucket(s3, bucket):
    enable(s3, bucket)
    return bucket


def versions_of(silt, bucket, page_size=3):
    """[(key, version id, is latest, 'v' | 'dm')] in S3's listing order (Version and
    DeleteMarker elements interleaved), read from the raw XML over all pages."""
    out, markers = [], []
    while True:
        r = silt.request("GET", bucket, "", [("versions", None), ("max-keys", str(page_size))]
                         + markers)
        assert r.status == 200, r
        root = ET.fromstring(r.body)
        for el in root:
            if el.tag in (NS + "Version", NS + "DeleteMarker"):
                out.append((el.findtext(NS + "Key"), el.findtext(NS + "VersionId"),
                            el.findtext(NS + "IsLatest") == "true",
                            "v" if el.tag == NS + "Version" else "dm"))
        if root.findtext(NS + "IsTruncated") != "true":
            return out
        markers = [("key-marker", root.findtext(NS + "NextKeyMarker")),
                   ("version-id-marker", root.findtext(NS + "NextVersionIdMarker"))]


# --- configuration ----------------------------------------------------------------

def test_versioning_status_round_trip(s3, bucket):
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)
    enable(s3, bucket)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    enable(s3, bucket, "Suspended")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"
    enable(s3, bucket)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    e = client_error(s3.put_bucket_versioning, Bucket=bucket,
                     VersioningConfiguration={"Status": "Sometimes"})
    assert code(e)[1] == 400
    e = client_error(s3.get_bucket_versioning, Bucket=bucket + "-missing")
    assert code(e) == ("NoSuchBucket", 404)


def test_unversioned_bucket_has_no_version_ids(s3, bucket):
    resp = s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert "VersionId" not in resp
    # ... but the object is the `null` version.
    assert s3.get_object(Bucket=bucket, Key="k", VersionId="null")["Body"].read() == b"x"
    listed = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert [(v["Key"], v["VersionId"], v["IsLatest"]) for v in listed] == [("k", "null", True)]


# --- version ids on writes and reads by version -----------------------------------

def test_put_copy_complete_return_version_ids(s3, vbucket):
    b = vbucket
    v1 = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=b, Key="k", Body=b"two")["VersionId"]
    assert v1 and v2 and v1 != v2 and "null" not in (v1, v2)
    cp = s3.copy_object(Bucket=b, Key="c", CopySource={"Bucket": b, "Key": "k", "VersionId": v1})
    assert cp["VersionId"] and cp["CopySourceVersionId"] == v1
    assert s3.get_object(Bucket=b, Key="c")["Body"].read() == b"one"
    uid = s3.create_multipart_upload(Bucket=b, Key="m")["UploadId"]
    e = s3.upload_part(Bucket=b, Key="m", UploadId=uid, PartNumber=1, Body=b"mp")["ETag"]
    done = s3.complete_multipart_upload(Bucket=b, Key="m", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": e}]})
    assert done["VersionId"]
    assert s3.head_object(Bucket=b, Key="m")["VersionId"] == done["VersionId"]
    # GET and HEAD by version id, latest without one.
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"two"
    g1 = s3.get_object(Bucket=b, Key="k", VersionId=v1)
    assert g1["Body"].read() == b"one" and g1["VersionId"] == v1
    assert g1["ETag"] == md5_etag(b"one")
    h2 = s3.head_object(Bucket=b, Key="k", VersionId=v2)
    assert h2["VersionId"] == v2 and h2["ContentLength"] == 3
    assert s3.get_object(Bucket=b, Key="k")["VersionId"] == v2
    # Ranged GET of an older version.
    assert s3.get_object(Bucket=b, Key="k", VersionId=v1, Range="bytes=1-")["Body"].read() == b"ne"
    # An unknown version id.
    e = client_error(s3.get_object, Bucket=b, Key="k", VersionId="3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY")
    assert code(e)[1] in (400, 404) and code(e)[0] in ("NoSuchVersion", "InvalidArgument")


def test_delete_specific_version(silt, s3, vbucket):
    b = vbucket
    v1 = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=b, Key="k", Body=b"two")["VersionId"]
    resp = s3.delete_object(Bucket=b, Key="k", VersionId=v2)
    assert resp["VersionId"] == v2 and not resp.get("DeleteMarker")
    # The older version is the latest again.
    got = s3.get_object(Bucket=b, Key="k")
    assert got["Body"].read() == b"one" and got["VersionId"] == v1
    assert versions_of(silt, b) == [("k", v1, True, "v")]


# --- delete markers ----------------------------------------------------------------

def test_delete_markers(silt, s3, vbucket):
    b = vbucket
    v1 = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
    resp = s3.delete_object(Bucket=b, Key="k")
    assert resp["DeleteMarker"] is True
    assert hdrs(resp)["x-amz-delete-marker"] == "true"
    dm = resp["VersionId"]
    assert dm and dm != v1
    # GET / HEAD of a key whose latest is a marker: 404 NoSuchKey + x-amz-delete-marker.
    e = client_error(s3.get_object, Bucket=b, Key="k")
    assert code(e) == ("NoSuchKey", 404)
    assert hdrs(e.response)["x-amz-delete-marker"] == "true"
    assert hdrs(e.response).get("x-amz-version-id", dm) == dm
    e = client_error(s3.head_object, Bucket=b, Key="k")
    assert code(e) == ("404", 404) and hdrs(e.response)["x-amz-delete-marker"] == "true"
    # The old version is still readable by id; the marker itself is not an object.
    assert s3.get_object(Bucket=b, Key="k", VersionId=v1)["Body"].read() == b"one"
    r = silt.request("GET", b, "k", [("versionId", dm)])
    assert r.status == 405 and r.error_code() == "MethodNotAllowed", r
    assert r.header("x-amz-delete-marker") == "true"
    # Gone from plain listings, present in the version listing.
    assert s3.list_objects_v2(Bucket=b)["KeyCount"] == 0
    assert versions_of(silt, b) == [("k", dm, True, "dm"), ("k", v1, False, "v")]
    # A second DELETE stacks another marker.
    dm2 = s3.delete_object(Bucket=b, Key="k")["VersionId"]
    assert dm2 not in (dm, v1)
    # Deleting the markers by id brings the object back.
    for m in (dm2, dm):
        resp = s3.delete_object(Bucket=b, Key="k", VersionId=m)
        assert resp["DeleteMarker"] is True and resp["VersionId"] == m
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"one"


def test_copy_from_delete_marker_fails_but_by_version_works(s3, vbucket):
    b = vbucket
    v1 = s3.put_object(Bucket=b, Key="k", Body=b"data")["VersionId"]
    s3.delete_object(Bucket=b, Key="k")
    e = client_error(s3.copy_object, Bucket=b, Key="c", CopySource={"Bucket": b, "Key": "k"})
    assert code(e) == ("NoSuchKey", 404)
    s3.copy_object(Bucket=b, Key="c", CopySource=f"{b}/k?versionId={v1}")
    assert s3.get_object(Bucket=b, Key="c")["Body"].read() == b"data"


# --- listing versions -----------------------------------------------------------------

def test_list_object_versions_markers_prefix_delimiter(s3, vbucket):
    b = vbucket
    made = {}
    for key in ("a/1", "a/2", "b", "c/x/y"):
        made[key] = [s3.put_object(Bucket=b, Key=key, Body=os.urandom(10 + i))["VersionId"]
                     for i in range(3)]
    resp = s3.list_object_versions(Bucket=b)
    assert not resp["IsTruncated"]
    for key, ids in made.items():
        mine = [v for v in resp["Versions"] if v["Key"] == key]
        # newest first, only the newest is latest
        assert [v["VersionId"] for v in mine] == ids[::-1]
        assert [v["IsLatest"] for v in mine] == [True, False, False]
        assert [v["Size"] for v in mine] == [12, 11, 10]
        for v in mine:
            assert v["ETag"].startswith('"') and v["StorageClass"] == "STANDARD"
    assert [v["Key"] for v in resp["Versions"]] == sorted(v["Key"] for v in resp["Versions"])
    # pagination by key-marker / version-id-marker
    seen, kw, pages = [], {}, 0
    while True:
        page = s3.list_object_versions(Bucket=b, MaxKeys=5, **kw)
        pages += 1
        seen += [(v["Key"], v["VersionId"]) for v in page.get("Versions", [])]
        assert len(page.get("Versions", [])) <= 5
        if not page["IsTruncated"]:
            break
        kw = {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": page["NextVersionIdMarker"]}
        assert (kw["KeyMarker"], kw["VersionIdMarker"]) == seen[-1]
    assert seen == [(v["Key"], v["VersionId"]) for v in resp["Versions"]] and pages == 3
    # A key-marker alone starts after every version of that key.
    page = s3.list_object_versions(Bucket=b, KeyMarker="a/2")
    assert [v["Key"] for v in page["Versions"]] == ["b"] * 3 + ["c/x/y"] * 3
    # prefix and delimiter
    page = s3.list_object_versions(Bucket=b, Prefix="a/")
    assert {v["Key"] for v in page["Versions"]} == {"a/1", "a/2"}
    page = s3.list_object_versions(Bucket=b, Delimiter="/")
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["a/", "c/"]
    assert {v["Key"] for v in page["Versions"]} == {"b"}
    page = s3.list_object_versions(Bucket=b, Prefix="c/", Delimiter="/")
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["c/x/"]
    assert "Versions" not in page


def test_list_object_versions_encoding_type_url(silt, s3, vbucket):
    b = vbucket
    key = "dir/sp ace+plus%pct\u00e9/\x01ctl"
    vid = s3.put_object(Bucket=b, Key=key, Body=b"x")["VersionId"]
    # boto3 asks for encoding-type=url and decodes it.
    page = s3.list_object_versions(Bucket=b, Prefix="dir/")
    assert [(v["Key"], v["VersionId"]) for v in page["Versions"]] == [(key, vid)]
    r = silt.request("GET", b, "", [("versions", None), ("encoding-type", "url"),
                                     ("prefix", "dir/"), ("delimiter", "/")])
    assert r.status == 200, r
    root = ET.fromstring(r.body)
    assert root.tag == NS + "ListVersionsResult"
    assert root.findtext(NS + "EncodingType") == "url"
    prefixes = [p.findtext(NS + "Prefix") for p in root.iter(NS + "CommonPrefixes")]
    assert [urllib.parse.unquote_plus(p) for p in prefixes] == ["dir/sp ace+plus%pct\u00e9/"]
    assert "\x01" not in r.text and " " not in prefixes[0]


def test_suspended_null_version(silt, s3, bucket):
    b = bucket
    s3.put_object(Bucket=b, Key="k", Body=b"pre")  # the null version, before versioning
    enable(s3, b)
    v1 = s3.put_object(Bucket=b, Key="k", Body=b"v1")["VersionId"]
    assert v1 != "null"
    enable(s3, b, "Suspended")
    resp = s3.put_object(Bucket=b, Key="k", Body=b"s1")
    assert resp.get("VersionId", "null") == "null"
    # The earlier null version is replaced: still exactly one null version.
    s3.put_object(Bucket=b, Key="k", Body=b"s2")
    vs = versions_of(silt, b)
    assert vs == [("k", "null", True, "v"), ("k", v1, False, "v")]
    assert s3.get_object(Bucket=b, Key="k", VersionId="null")["Body"].read() == b"s2"
    assert s3.get_object(Bucket=b, Key="k", VersionId=v1)["Body"].read() == b"v1"
    # DELETE while suspended puts a null delete marker in place of the null version.
    resp = s3.delete_object(Bucket=b, Key="k")
    assert resp["DeleteMarker"] is True and resp.get("VersionId", "null") == "null"
    assert versions_of(silt, b) == [("k", "null", True, "dm"), ("k", v1, False, "v")]
    client_error(s3.get_object, Bucket=b, Key="k", VersionId="null")
    assert s3.get_object(Bucket=b, Key="k", VersionId=v1)["Body"].read() == b"v1"


def test_delete_objects_with_version_ids(silt, s3, vbucket):
    b = vbucket
    ids = {k: [s3.put_object(Bucket=b, Key=k, Body=k.encode() + bytes([i]))["VersionId"]
               for i in range(2)] for k in ("x", "y")}
    resp = s3.delete_objects(Bucket=b, Delete={"Objects": [
        {"Key": "x", "VersionId": ids["x"][0]},
        {"Key": "x", "VersionId": ids["x"][1]},
        {"Key": "y"},
    ]})
    assert not resp.get("Errors")
    deleted = {(d["Key"], d.get("VersionId")): d for d in resp["Deleted"]}
    assert ("x", ids["x"][0]) in deleted and ("x", ids["x"][1]) in deleted
    ymarker = [d for d in resp["Deleted"] if d["Key"] == "y"]
    assert len(ymarker) == 1 and ymarker[0]["DeleteMarker"] is True
    assert ymarker[0]["DeleteMarkerVersionId"]
    vs = versions_of(silt, b)
    assert [v for v in vs if v[0] == "x"] == []
    assert vs == [("y", ymarker[0]["DeleteMarkerVersionId"], True, "dm"),
                  ("y", ids["y"][1], False, "v"), ("y", ids["y"][0], False, "v")]


def test_versioned_bucket_cannot_be_deleted_until_versions_are_gone(s3, vbucket):
    b = vbucket
    vid = s3.put_object(Bucket=b, Key="k", Body=b"x")["VersionId"]
    dm = s3.delete_object(Bucket=b, Key="k")["VersionId"]
    e = client_error(s3.delete_bucket, Bucket=b)
    assert code(e) == ("BucketNotEmpty", 409)
    s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "k", "VersionId": vid},
                                                    {"Key": "k", "VersionId": dm}]})
    s3.delete_bucket(Bucket=b)


def test_rclone_s3_versions_lsl(silt, s3, vbucket):
    b = vbucket
    s3.put_object(Bucket=b, Key="f.txt", Body=b"old version")
    s3.put_object(Bucket=b, Key="f.txt", Body=b"new")
    s3.put_object(Bucket=b, Key="g.txt", Body=b"only")
    for remote in ("other", "minio"):
        out = silt.rclone("lsl", "--s3-versions", f"{remote}:{b}").stdout.splitlines()
        names = sorted(line.split()[-1] for line in out)
        assert len(names) == 3, out
        assert "f.txt" in names and "g.txt" in names
        old = [n for n in names if n not in ("f.txt", "g.txt")]
        assert re.fullmatch(r"f-v\d{4}-\d\d-\d\d-\d{6}-\d{3}\.txt", old[0]), names
        sizes = {line.split()[-1]: int(line.split()[0]) for line in out}
        assert sizes[old[0]] == len(b"old version") and sizes["f.txt"] == 3
        # and the old one can be read through rclone
        assert silt.rclone("cat", "--s3-versions", f"{remote}:{b}/{old[0]}").stdout == "old version"
