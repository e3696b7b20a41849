"""Conditional deletes and the rest of issue 19 item 3: DeleteObject's If-Match,
x-amz-if-match-size and x-amz-if-match-last-modified-time; DeleteObjects' per-key
<ETag>, <Size> and <LastModifiedTime> answered in the result's <Error> entries; racing
conditional deletes and writes where exactly one wins; If-Match / If-None-Match on
PutObject and CompleteMultipartUpload through the aws cli (botocore 1.43 knows the
parameters; Debian's boto3 1.26 does not, so the rest goes as raw signed requests);
x-amz-expected-bucket-owner on operations beyond the object basics.

test_conditional.py keeps the PutObject / Complete cases; test_trust_refusals.py the
If-None-Match: "<etag>" refusal (AWS takes "*" only)."""
import base64
import concurrent.futures
import hashlib
import json
import threading

from silt_server import bucket_name
from s3assert import code, md5_etag

ZERO_ETAG = '"' + "0" * 32 + '"'


def read(s3, bucket, key):
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def exists(s3, bucket, key):
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return True
    except Exception as e:  # noqa: BLE001 - any refusal means "not there" here
        assert code(e)[1] == 404, e
        return False


def delete(silt, bucket, key, params=(), **headers):
    return silt.request("DELETE", bucket, key, params=params, headers=headers)


def still_serving(s3, bucket):
    s3.put_object(Bucket=bucket, Key="alive", Body=b"yes")
    assert read(s3, bucket, "alive") == b"yes"


def delete_objects_raw(silt, bucket, objects, quiet=False, headers=None):
    """POST ?delete with <Object> elements given as XML fragments after <Key>."""
    inner = "".join(f"<Object><Key>{k}</Key>{extra}</Object>" for k, extra in objects)
    body = f"<Delete>{'<Quiet>true</Quiet>' if quiet else ''}{inner}</Delete>".encode()
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    return silt.request("POST", bucket, params=[("delete", None)], headers={"Content-MD5": md5, **(headers or {})},
                        body=body)


def result_entries(r):
    """DeleteResult -> ({key: Deleted element text}, {key: (Code, Message)})."""
    import xml.etree.ElementTree as ET
    ns = "{http://s3.amazonaws.com/doc/2006-03-01/}"
    root = ET.fromstring(r.body)
    deleted = {d.findtext(ns + "Key"): d for d in root.findall(ns + "Deleted")}
    errors = {e.findtext(ns + "Key"): (e.findtext(ns + "Code"), e.findtext(ns + "Message"))
              for e in root.findall(ns + "Error")}
    return deleted, errors


# --- DeleteObject ------------------------------------------------------------------

def test_delete_if_match_etag(silt, s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"v1")["ETag"]
    r = delete(silt, bucket, "k", **{"If-Match": ZERO_ETAG})
    assert (r.status, r.error_code()) == (412, "PreconditionFailed"), r
    assert read(s3, bucket, "k") == b"v1"
    # Unquoted and quoted ETags both name it.
    r = delete(silt, bucket, "k", **{"If-Match": etag.strip('"')})
    assert r.status == 204, r
    assert not exists(s3, bucket, "k")
    still_serving(s3, bucket)


def test_delete_if_match_star_and_missing_key(silt, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    assert delete(silt, bucket, "k", **{"If-Match": "*"}).status == 204
    assert not exists(s3, bucket, "k")
    # If-Match asks for something to be there: a missing key is 404 NoSuchKey.
    for value in ("*", ZERO_ETAG):
        r = delete(silt, bucket, "k", **{"If-Match": value})
        assert (r.status, r.error_code()) == (404, "NoSuchKey"), r
    still_serving(s3, bucket)


def test_delete_if_match_size_and_last_modified_time(silt, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"12345")
    head = s3.head_object(Bucket=bucket, Key="k")
    lm = head["ResponseMetadata"]["HTTPHeaders"]["last-modified"]
    r = delete(silt, bucket, "k", **{"x-amz-if-match-size": "4"})
    assert (r.status, r.error_code()) == (412, "PreconditionFailed"), r
    r = delete(silt, bucket, "k", **{"x-amz-if-match-last-modified-time": "Sat, 01 Jan 2000 00:00:00 GMT"})
    assert (r.status, r.error_code()) == (412, "PreconditionFailed"), r
    # All three together: each must hold.
    r = delete(silt, bucket, "k", **{"If-Match": head["ETag"], "x-amz-if-match-size": "5",
                                     "x-amz-if-match-last-modified-time": "Sat, 01 Jan 2000 00:00:00 GMT"})
    assert (r.status, r.error_code()) == (412, "PreconditionFailed"), r
    assert read(s3, bucket, "k") == b"12345"
    r = delete(silt, bucket, "k", **{"If-Match": head["ETag"], "x-amz-if-match-size": "5",
                                     "x-amz-if-match-last-modified-time": lm})
    assert r.status == 204, r
    assert not exists(s3, bucket, "k")
    # Size and time only compare what is there: a missing key deletes as ever (204).
    assert delete(silt, bucket, "k", **{"x-amz-if-match-size": "5"}).status == 204
    still_serving(s3, bucket)


def test_delete_condition_values_that_do_not_parse(silt, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    for name, value in (("x-amz-if-match-size", "five"), ("x-amz-if-match-size", "-1"),
                        ("x-amz-if-match-last-modified-time", "yesterday"), ("If-Match", '""')):
        r = delete(silt, bucket, "k", **{name: value})
        assert (r.status, r.error_code()) == (400, "InvalidArgument"), (name, r)
    assert read(s3, bucket, "k") == b"v"
    still_serving(s3, bucket)


def test_delete_conditions_in_a_versioned_bucket(silt, s3, bucket):
    """Conditions compare with the current version (AWS: "conditional delete evaluations
    only apply to the current version"); a delete marker counts as no object."""
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one")
    v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"two")
    # The old version's ETag is not the current one's: nothing happens, no marker.
    r = delete(silt, bucket, "k", **{"If-Match": v1["ETag"]})
    assert (r.status, r.error_code()) == (412, "PreconditionFailed"), r
    assert len(s3.list_object_versions(Bucket=bucket, Prefix="k").get("DeleteMarkers", [])) == 0
    r = delete(silt, bucket, "k", **{"If-Match": v2["ETag"]})
    assert r.status == 204 and r.header("x-amz-delete-marker") == "true", r
    # Now the current version is a delete marker: If-Match has nothing to match.
    r = delete(silt, bucket, "k", **{"If-Match": "*"})
    assert (r.status, r.error_code()) == (404, "NoSuchKey"), r
    # Removing a named version under a condition on the current one.
    r = delete(silt, bucket, "k", params=[("versionId", v1["VersionId"])], **{"If-Match": v1["ETag"]})
    assert (r.status, r.error_code()) == (404, "NoSuchKey"), r
    assert s3.get_object(Bucket=bucket, Key="k", VersionId=v1["VersionId"])["Body"].read() == b"one"
    still_serving(s3, bucket)


def test_racing_conditional_deletes_and_writes(silt, s3, bucket):
    """Everyone read the same ETag: of N If-Match writers and deleters, exactly one
    lands; the rest get 412 (or 409/404 when the key went away under them)."""
    racers = 6
    for rnd in range(6):
        key = f"race/{rnd}"
        etag = s3.put_object(Bucket=bucket, Key=key, Body=b"base")["ETag"]
        gate = threading.Barrier(racers)

        def go(i):
            gate.wait()
            if i % 2:
                return silt.request("DELETE", bucket, key, headers={"If-Match": etag})
            return silt.request("PUT", bucket, key, headers={"If-Match": etag}, body=f"update {i}".encode())

        with concurrent.futures.ThreadPoolExecutor(racers) as pool:
            results = list(pool.map(go, range(racers)))
        winners = [i for i, res in enumerate(results) if res.status in (200, 204)]
        assert len(winners) == 1, (rnd, results)
        for res in results:
            assert res.status in (200, 204, 404, 409, 412), res
        if winners[0] % 2:
            assert not exists(s3, bucket, key)
        else:
            assert read(s3, bucket, key) == f"update {winners[0]}".encode()
    still_serving(s3, bucket)


# --- DeleteObjects -----------------------------------------------------------------

def test_delete_objects_per_key_conditions(silt, s3, bucket):
    for k in ("a", "b", "c", "d", "e", "f"):
        s3.put_object(Bucket=bucket, Key=k, Body=b"data-" + k.encode())
    etag_a = md5_etag(b"data-a")
    lm = s3.head_object(Bucket=bucket, Key="c")["ResponseMetadata"]["HTTPHeaders"]["last-modified"]
    r = delete_objects_raw(silt, bucket, [
        ("a", f"<ETag>{etag_a}</ETag>"),                         # holds
        ("b", f"<ETag>{ZERO_ETAG}</ETag>"),                      # differs
        ("c", f"<LastModifiedTime>{lm}</LastModifiedTime>"),     # holds
        ("d", "<LastModifiedTime>2000-01-01T00:00:00.000Z</LastModifiedTime>"),
        ("e", "<Size>6</Size>"),                                 # holds ("data-e")
        ("f", "<Size>7</Size>"),
        ("missing", "<ETag>*</ETag>"),
    ])
    assert r.status == 200, r
    deleted, errors = result_entries(r)
    assert set(deleted) == {"a", "c", "e"}, r
    assert {k: c for k, (c, _) in errors.items()} == {
        "b": "PreconditionFailed", "d": "PreconditionFailed", "f": "PreconditionFailed", "missing": "NoSuchKey"}, r
    for k in ("a", "c", "e"):
        assert not exists(s3, bucket, k)
    for k in ("b", "d", "f"):
        assert read(s3, bucket, k) == b"data-" + k.encode()
    # Quiet mode still reports the failed conditions.
    r = delete_objects_raw(silt, bucket, [("b", f"<ETag>{ZERO_ETAG}</ETag>"), ("d", "")], quiet=True)
    deleted, errors = result_entries(r)
    assert not deleted and set(errors) == {"b"}, r
    assert not exists(s3, bucket, "d")
    still_serving(s3, bucket)


def test_delete_objects_unreadable_condition_is_malformed(silt, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    for extra in ("<Size>big</Size>", "<Size>-1</Size>", "<LastModifiedTime>soon</LastModifiedTime>",
                  "<ETag></ETag>"):
        r = delete_objects_raw(silt, bucket, [("k", extra)])
        assert (r.status, r.error_code()) == (400, "MalformedXML"), (extra, r)
    assert read(s3, bucket, "k") == b"v"
    still_serving(s3, bucket)


# --- the aws cli (botocore 1.43 sends IfMatch / IfNoneMatch / ETag itself) ----------

def aws_fails(silt, *args):
    p = silt.aws(*args, check=False)
    assert p.returncode != 0, p.stdout
    return p.stderr


def test_awscli_conditional_put_and_delete(silt, s3, tmp_path):
    b = bucket_name("condcli")
    s3.create_bucket(Bucket=b)
    f = tmp_path / "body"
    f.write_bytes(b"one")
    out = json.loads(silt.aws("s3api", "put-object", "--bucket", b, "--key", "k", "--body", str(f),
                              "--if-none-match", "*", "--output", "json").stdout)
    assert out["ETag"] == md5_etag(b"one")
    assert "PreconditionFailed" in aws_fails(silt, "s3api", "put-object", "--bucket", b, "--key", "k",
                                             "--body", str(f), "--if-none-match", "*")
    assert "PreconditionFailed" in aws_fails(silt, "s3api", "put-object", "--bucket", b, "--key", "k",
                                             "--body", str(f), "--if-match", ZERO_ETAG)
    assert "NoSuchKey" in aws_fails(silt, "s3api", "put-object", "--bucket", b, "--key", "nope",
                                    "--body", str(f), "--if-match", out["ETag"])
    f.write_bytes(b"two")
    silt.aws("s3api", "put-object", "--bucket", b, "--key", "k", "--body", str(f), "--if-match", out["ETag"])
    assert read(s3, b, "k") == b"two"
    assert "PreconditionFailed" in aws_fails(silt, "s3api", "delete-object", "--bucket", b, "--key", "k",
                                             "--if-match", out["ETag"])
    assert "PreconditionFailed" in aws_fails(silt, "s3api", "delete-object", "--bucket", b, "--key", "k",
                                             "--if-match-size", "4")
    silt.aws("s3api", "delete-object", "--bucket", b, "--key", "k", "--if-match", md5_etag(b"two"),
             "--if-match-size", "3")
    assert not exists(s3, b, "k")
    # DeleteObjects with the per-key ETag and Size the SDK serialises.
    s3.put_object(Bucket=b, Key="x", Body=b"xx")
    s3.put_object(Bucket=b, Key="y", Body=b"yy")
    spec = {"Objects": [{"Key": "x", "ETag": md5_etag(b"xx"), "Size": 2},
                        {"Key": "y", "ETag": ZERO_ETAG}]}
    res = json.loads(silt.aws("s3api", "delete-objects", "--bucket", b, "--delete", json.dumps(spec),
                              "--output", "json").stdout)
    assert [d["Key"] for d in res.get("Deleted", [])] == ["x"], res
    assert [(e["Key"], e["Code"]) for e in res.get("Errors", [])] == [("y", "PreconditionFailed")], res
    assert read(s3, b, "y") == b"yy"
    still_serving(s3, b)


def test_awscli_complete_multipart_upload_if_match(silt, s3, bucket):
    """aws cli v1 (botocore 1.43 sends If-Match on CompleteMultipartUpload): a missing key is
    404 NoSuchKey, a wrong ETag on an existing key 412 PreconditionFailed, and neither
    replaces anything; the right ETag completes the same upload."""
    def upload(key, data):
        uid = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=1, Body=data)["ETag"]
        return uid, json.dumps({"Parts": [{"PartNumber": 1, "ETag": etag}]})

    def complete(key, uid, parts, *condition):
        return ("s3api", "complete-multipart-upload", "--bucket", bucket, "--key", key, "--upload-id", uid,
                "--multipart-upload", parts, *condition)

    uid, parts = upload("nope", b"never written")
    err = aws_fails(silt, *complete("nope", uid, parts, "--if-match", md5_etag(b"x")))
    assert "(NoSuchKey)" in err, err
    assert not exists(s3, bucket, "nope")
    s3.abort_multipart_upload(Bucket=bucket, Key="nope", UploadId=uid)

    old = s3.put_object(Bucket=bucket, Key="k", Body=b"old body")["ETag"]
    uid, parts = upload("k", b"new body")
    err = aws_fails(silt, *complete("k", uid, parts, "--if-match", ZERO_ETAG))
    assert "(PreconditionFailed)" in err, err
    assert read(s3, bucket, "k") == b"old body"
    assert s3.head_object(Bucket=bucket, Key="k")["ETag"] == old
    out = json.loads(silt.aws(*complete("k", uid, parts, "--if-match", old), "--output", "json").stdout)
    assert out["Key"] == "k" and out["ETag"].endswith('-1"')
    assert read(s3, bucket, "k") == b"new body"
    still_serving(s3, bucket)


# --- x-amz-expected-bucket-owner, beyond the object basics --------------------------

def test_expected_bucket_owner_on_bucket_and_multipart_operations(silt, s3, bucket):
    """One check in the dispatch covers every operation on a bucket; a few that
    test_trust_refusals.py does not send."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    wrong = {"x-amz-expected-bucket-owner": "someone-else"}
    calls = [
        ("HEAD", "", [], b""),
        ("GET", "", [("versioning", None)], b""),
        ("GET", "", [("uploads", None)], b""),
        ("GET", "", [("location", None)], b""),
        ("GET", "k", [("tagging", None)], b""),
        ("PUT", "mp", [("partNumber", "1"), ("uploadId", up)], b"part"),
        ("DELETE", "mp", [("uploadId", up)], b""),
        ("DELETE", "k", [], b""),
    ]
    for method, key, params, body in calls:
        r = silt.request(method, bucket, key, params=params, headers=wrong, body=body)
        if method == "HEAD":
            assert r.status == 403, r
        else:
            assert (r.status, r.error_code()) == (403, "AccessDenied"), (method, key, params, r)
    r = delete_objects_raw(silt, bucket, [("k", "")], headers=wrong)
    assert (r.status, r.error_code()) == (403, "AccessDenied"), r
    # Nothing above acted: the key is there, the upload still open.
    assert read(s3, bucket, "k") == b"v"
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])] == [up]
    # The right owner (the admin's canonical id, as ListBuckets shows it) passes.
    owner = s3.list_buckets()["Owner"]["ID"]
    r = silt.request("GET", bucket, "", params=[("versioning", None)],
                     headers={"x-amz-expected-bucket-owner": owner})
    assert r.status == 200, r
    still_serving(s3, bucket)
