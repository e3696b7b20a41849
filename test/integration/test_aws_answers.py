"""AWS's exact answers where silt used to differ (issue 19, item 6), each with the
client that sends the request: boto3 (Debian's 1.26), the aws cli v1 on PATH, s3cmd.

One silt for the module (a second one, started with --region, for the region case)."""
import base64
import datetime
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import threading
import time

import boto3
import pytest
import requests
from botocore.config import Config

import s3raw
from s3assert import client_error, code, error_code, hdrs, wait_for
from silt_server import SiltServer, bucket_name

MiB = 1 << 20


def still_serving(s3):
    assert s3.list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200


def part_etag_list(parts):
    return {"Parts": [{"PartNumber": n, "ETag": e} for n, e in parts]}


def multipart_etag(chunks):
    return '"%s-%d"' % (hashlib.md5(b"".join(hashlib.md5(c).digest() for c in chunks)).hexdigest(), len(chunks))


# --- CreateBucket of a bucket one owns -------------------------------------------------------

def acl_grants(s3, bucket):
    return {(g["Grantee"].get("URI") or g["Grantee"].get("ID"), g["Permission"])
            for g in s3.get_bucket_acl(Bucket=bucket)["Grants"]}


def test_create_owned_bucket_again_in_us_east_1_is_200_and_resets_its_acl(silt, s3):
    """AWS's legacy us-east-1 answer: 200, and the ACL becomes the one the request names."""
    name = bucket_name("again")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"kept")
    s3.put_bucket_acl(Bucket=name, ACL="public-read")
    assert requests.get(f"{silt.endpoint}/{name}", timeout=10).status_code == 200
    resp = s3.create_bucket(Bucket=name)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert resp["Location"] == f"/{name}"
    owner_id = s3.list_buckets()["Owner"]["ID"]  # the canonical id, not the access key (issue 19 item 4)
    assert acl_grants(s3, name) == {(owner_id, "FULL_CONTROL")}
    assert requests.get(f"{silt.endpoint}/{name}", timeout=10).status_code == 403
    # A canned ACL on the repeated request is applied; the objects are untouched.
    s3.create_bucket(Bucket=name, ACL="public-read")
    assert requests.get(f"{silt.endpoint}/{name}", timeout=10).status_code == 200
    assert s3.get_object(Bucket=name, Key="k")["Body"].read() == b"kept"
    # Naming us-east-1 explicitly is the same request.
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
    assert acl_grants(s3, name) == {(owner_id, "FULL_CONTROL")}


def test_create_owned_bucket_again_elsewhere_is_409(silt, s3):
    name = bucket_name("again-eu")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_acl(Bucket=name, ACL="public-read")
    for again in ({}, {"CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}}):
        e = client_error(s3.create_bucket, Bucket=name, **again)
        assert code(e) == ("BucketAlreadyOwnedByYou", 409)
    # The refused request changed nothing.
    assert (("http://acs.amazonaws.com/groups/global/AllUsers", "READ") in acl_grants(s3, name))
    # A us-east-1 bucket re-created with another region's constraint is no repeat either.
    east = bucket_name("again-east")
    s3.create_bucket(Bucket=east)
    e = client_error(s3.create_bucket, Bucket=east, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert code(e) == ("BucketAlreadyOwnedByYou", 409)
    still_serving(s3)


@pytest.fixture(scope="module")
def eu_silt(tmp_path_factory):
    """A silt whose --region is not us-east-1."""
    server = SiltServer(tmp_path_factory.mktemp("eu"))
    server.start(extra_args=["--region", "eu-central-1"])
    yield server
    assert server.stop() == 0, server.log_tail()


def test_create_owned_bucket_again_on_a_server_of_another_region_is_409(eu_silt):
    s3 = eu_silt.boto3()
    name = bucket_name("eu-server")
    s3.create_bucket(Bucket=name)
    assert hdrs(s3.head_bucket(Bucket=name))["x-amz-bucket-region"] == "eu-central-1"
    assert code(client_error(s3.create_bucket, Bucket=name)) == ("BucketAlreadyOwnedByYou", 409)


def test_aws_cli_mb_of_an_owned_bucket_succeeds_in_us_east_1(silt, s3):
    name = bucket_name("mb-again")
    silt.aws("s3", "mb", f"s3://{name}")
    again = silt.aws("s3", "mb", f"s3://{name}", check=False)
    assert again.returncode == 0, again.stderr
    assert f"make_bucket: {name}" in again.stdout


# --- DeleteBucket of a bucket holding only unfinished uploads -------------------------------

def start_uploads(s3, name):
    """Two uploads in progress with three parts (one of 5 MiB) between them."""
    a = s3.create_multipart_upload(Bucket=name, Key="big")["UploadId"]
    s3.upload_part(Bucket=name, Key="big", UploadId=a, PartNumber=1, Body=os.urandom(5 * MiB))
    s3.upload_part(Bucket=name, Key="big", UploadId=a, PartNumber=2, Body=b"tail")
    b = s3.create_multipart_upload(Bucket=name, Key="dir/other")["UploadId"]
    s3.upload_part(Bucket=name, Key="dir/other", UploadId=b, PartNumber=1, Body=os.urandom(1000))
    return a, b


def test_delete_bucket_of_unfinished_uploads_removes_them(silt, s3):
    before = silt.settled_drive_usage()
    name = bucket_name("uploads-only")
    s3.create_bucket(Bucket=name)
    a, b = start_uploads(s3, name)
    assert silt.drive_usage()[1] > before[1] + 5 * MiB
    resp = s3.delete_bucket(Bucket=name)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert code(client_error(s3.head_bucket, Bucket=name)) == ("404", 404)
    # Nothing left on the drives: parts, their records, the uploads' and bucket's mirror files.
    wait_for("the parts' data to be freed", lambda: silt.drive_usage() == before)
    assert code(client_error(s3.list_parts, Bucket=name, Key="big", UploadId=a)) == ("NoSuchBucket", 404)
    # Nor in the index: a restart (no rebuild) brings neither bucket nor upload back.
    silt.restart()
    assert name not in [x["Name"] for x in s3.list_buckets()["Buckets"]]
    # The reclaim pass after start may compact the segment files other tests left behind
    # (docs/format.md, "Reclaiming"): usage may shrink, nothing may come back. Compaction
    # appends live entries before it removes the old segment, so a reading in between (a
    # loaded machine stretches it past settled_drive_usage's half second) holds more: wait
    # for usage to come back to at most before.
    deadline = time.time() + 30
    after = silt.drive_usage()
    while not (after[0] <= before[0] and after[1] <= before[1]) and time.time() < deadline:
        time.sleep(0.2)
        after = silt.drive_usage()
    assert after[0] <= before[0] and after[1] <= before[1], (after, before)
    s3.create_bucket(Bucket=name)
    assert s3.list_multipart_uploads(Bucket=name).get("Uploads", []) == []
    for key, upload in (("big", a), ("dir/other", b)):
        assert code(client_error(s3.list_parts, Bucket=name, Key=key, UploadId=upload)) == ("NoSuchUpload", 404)
    s3.delete_bucket(Bucket=name)


def test_delete_bucket_with_an_object_or_a_delete_marker_stays_not_empty(silt, s3):
    name = bucket_name("not-empty")
    s3.create_bucket(Bucket=name)
    upload = s3.create_multipart_upload(Bucket=name, Key="u")["UploadId"]
    s3.put_object(Bucket=name, Key="obj", Body=b"x")
    e = client_error(s3.delete_bucket, Bucket=name)
    assert code(e) == ("BucketNotEmpty", 409)
    # The refusal aborted nothing.
    assert s3.list_parts(Bucket=name, Key="u", UploadId=upload)["UploadId"] == upload
    # A delete marker alone (versioned bucket) keeps the bucket too.
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    old = s3.list_object_versions(Bucket=name)["Versions"]
    for v in old:
        s3.delete_object(Bucket=name, Key=v["Key"], VersionId=v["VersionId"])
    s3.delete_object(Bucket=name, Key="obj")  # a marker over nothing
    assert len(s3.list_object_versions(Bucket=name)["DeleteMarkers"]) == 1
    assert code(client_error(s3.delete_bucket, Bucket=name)) == ("BucketNotEmpty", 409)
    assert s3.list_parts(Bucket=name, Key="u", UploadId=upload)["UploadId"] == upload
    still_serving(s3)


def test_delete_bucket_while_parts_are_uploaded_leaves_no_orphans(silt, s3):
    """Parts racing the DeleteBucket either land before it (and go with the uploads) or are
    refused (NoSuchUpload / NoSuchBucket) and freed: nothing stays on the drives."""
    before = silt.settled_drive_usage()
    name = bucket_name("racing")
    s3.create_bucket(Bucket=name)
    upload = s3.create_multipart_upload(Bucket=name, Key="k")["UploadId"]
    writer = silt.boto3()
    outcome = {"ok": 0, "errors": []}
    first = threading.Event()

    def upload_parts():
        for n in range(1, 200):
            try:
                writer.upload_part(Bucket=name, Key="k", UploadId=upload, PartNumber=n, Body=os.urandom(256 * 1024))
                outcome["ok"] += 1
                first.set()
            except Exception as e:  # the first refusal ends the loop
                outcome["errors"].append(e)
                first.set()
                return

    t = threading.Thread(target=upload_parts)
    t.start()
    assert first.wait(30)
    s3.delete_bucket(Bucket=name)
    t.join(60)
    assert not t.is_alive()
    assert outcome["ok"] >= 1
    assert len(outcome["errors"]) == 1
    assert code(outcome["errors"][0]) in (("NoSuchUpload", 404), ("NoSuchBucket", 404))
    wait_for("every part's data to be freed", lambda: silt.drive_usage() == before)
    still_serving(s3)


# --- a repeated CompleteMultipartUpload -------------------------------------------------------

def test_complete_multipart_upload_repeated_answers_the_same_result(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    chunks = [os.urandom(5 * MiB), b"last part"]
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    parts = [(n, s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=n, Body=c)["ETag"])
             for n, c in enumerate(chunks, 1)]
    first = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload,
                                         MultipartUpload=part_etag_list(parts))
    assert first["ETag"] == multipart_etag(chunks)
    again = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload,
                                         MultipartUpload=part_etag_list(parts))
    for field in ("Location", "Bucket", "Key", "ETag", "VersionId"):
        assert again[field] == first[field], field
    # Only one version was made.
    assert len(s3.list_object_versions(Bucket=bucket, Prefix="k")["Versions"]) == 1
    # Another part list is no repeat of that request.
    e = client_error(s3.complete_multipart_upload, Bucket=bucket, Key="k", UploadId=upload,
                     MultipartUpload=part_etag_list(parts[:1]))
    assert code(e) == ("NoSuchUpload", 404)
    # An unknown upload id, or an upload aborted, stays NoSuchUpload.
    other = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=other)
    e = client_error(s3.complete_multipart_upload, Bucket=bucket, Key="k", UploadId=other,
                     MultipartUpload=part_etag_list(parts))
    assert code(e) == ("NoSuchUpload", 404)


def test_complete_multipart_upload_repeated_after_an_overwrite_is_no_such_upload(s3, bucket):
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=1, Body=b"only part")["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload, MultipartUpload=part_etag_list([(1, etag)]))
    # Another upload of the same bytes makes the same ETag, but it is not this upload.
    second = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="k", UploadId=second, PartNumber=1, Body=b"only part")
    s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=second, MultipartUpload=part_etag_list([(1, etag)]))
    e = client_error(s3.complete_multipart_upload, Bucket=bucket, Key="k", UploadId=upload,
                     MultipartUpload=part_etag_list([(1, etag)]))
    assert code(e) == ("NoSuchUpload", 404)
    assert s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=second,
                                        MultipartUpload=part_etag_list([(1, etag)]))["Key"] == "k"
    s3.put_object(Bucket=bucket, Key="k", Body=b"single")
    e = client_error(s3.complete_multipart_upload, Bucket=bucket, Key="k", UploadId=second,
                     MultipartUpload=part_etag_list([(1, etag)]))
    assert code(e) == ("NoSuchUpload", 404)


def test_complete_multipart_upload_repeated_survives_a_restart(silt, s3, bucket):
    upload = s3.create_multipart_upload(Bucket=bucket, Key="r")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="r", UploadId=upload, PartNumber=1, Body=b"data")["ETag"]
    first = s3.complete_multipart_upload(Bucket=bucket, Key="r", UploadId=upload,
                                         MultipartUpload=part_etag_list([(1, etag)]))
    silt.restart()
    again = s3.complete_multipart_upload(Bucket=bucket, Key="r", UploadId=upload,
                                         MultipartUpload=part_etag_list([(1, etag)]))
    assert again["ETag"] == first["ETag"]


# --- SigV2 with sub-resources -------------------------------------------------------------------

# Debian's boto3 1.26 (botocore 1.29) cannot sign these: botocore 1.28 to 1.29 put the
# sub-resource in the path they sign twice ("/b?acl?acl"), which AWS refuses as well
# (ceph/s3-tests pinned botocore < 1.28 for it). The boto3 of the python3 on PATH (the
# aws cli's interpreter, botocore 1.4x) signs them as AWS defines.
SIGV2_SCRIPT = r"""
import json, os, sys
import boto3, botocore
from botocore.config import Config
s3 = boto3.session.Session().client(
    "s3", endpoint_url=os.environ["SILT_ENDPOINT"], aws_access_key_id=os.environ["SILT_KEY"],
    aws_secret_access_key=os.environ["SILT_SECRET"], region_name="us-east-1",
    config=Config(signature_version="s3", s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}))
schemes = set()
def scheme(request, **kw):
    auth = request.headers.get("Authorization", b"")
    schemes.add((auth.decode() if isinstance(auth, bytes) else auth).split(" ")[0])
s3.meta.events.register("before-send.s3", scheme)
b = os.environ["SILT_BUCKET"]
out = {"botocore": botocore.__version__}
def run(name, fn):
    try:
        r = fn()
        r.pop("ResponseMetadata", None)
        if "Body" in r:
            r["Body"] = r["Body"].read().decode()
        out[name] = json.loads(json.dumps(r, default=str))
    except botocore.exceptions.ClientError as e:
        out[name] = {"error": e.response["Error"]["Code"]}
run("put_versioning", lambda: s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"}))
run("get_versioning", lambda: s3.get_bucket_versioning(Bucket=b))
run("put_bucket_acl", lambda: s3.put_bucket_acl(Bucket=b, ACL="public-read"))
run("get_bucket_acl", lambda: s3.get_bucket_acl(Bucket=b))
run("private_again", lambda: s3.put_bucket_acl(Bucket=b, ACL="private"))
run("location", lambda: s3.get_bucket_location(Bucket=b))
run("put", lambda: s3.put_object(Bucket=b, Key="k", Body=b"v2 body"))
run("put_tagging", lambda: s3.put_object_tagging(Bucket=b, Key="k", Tagging={"TagSet": [{"Key": "a", "Value": "1"}]}))
run("get_tagging", lambda: s3.get_object_tagging(Bucket=b, Key="k"))
run("delete_tagging", lambda: s3.delete_object_tagging(Bucket=b, Key="k"))
run("put_object_acl", lambda: s3.put_object_acl(Bucket=b, Key="k", ACL="public-read"))
run("get_object_acl", lambda: s3.get_object_acl(Bucket=b, Key="k"))
v = out["put"].get("VersionId", "")
run("get_version", lambda: s3.get_object(Bucket=b, Key="k", VersionId=v, ResponseContentType="text/x-v2",
                                         ResponseContentDisposition="attachment"))
run("put_lifecycle", lambda: s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [
    {"ID": "r", "Status": "Enabled", "Filter": {"Prefix": "x/"}, "Expiration": {"Days": 3}}]}))
run("get_lifecycle", lambda: s3.get_bucket_lifecycle_configuration(Bucket=b))
run("put_cors", lambda: s3.put_bucket_cors(Bucket=b, CORSConfiguration={"CORSRules": [
    {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}))
run("get_cors", lambda: s3.get_bucket_cors(Bucket=b))
run("create_upload", lambda: s3.create_multipart_upload(Bucket=b, Key="mp"))
u = out["create_upload"].get("UploadId", "")
run("upload_part", lambda: s3.upload_part(Bucket=b, Key="mp", UploadId=u, PartNumber=1, Body=b"v2 part"))
run("list_parts", lambda: s3.list_parts(Bucket=b, Key="mp", UploadId=u))
run("list_uploads", lambda: s3.list_multipart_uploads(Bucket=b))
run("complete", lambda: s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=u, MultipartUpload={
    "Parts": [{"PartNumber": 1, "ETag": out["upload_part"].get("ETag", "")}]}))
run("delete_objects", lambda: s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "mp"}]}))
run("versions", lambda: s3.list_object_versions(Bucket=b))
out["schemes"] = sorted(schemes)
print(json.dumps(out))
"""


def newer_boto3():
    """The python3 on PATH when its boto3 is newer than Debian's, else None."""
    exe = shutil.which("python3")
    if not exe:
        return None
    p = subprocess.run([exe, "-c", "import botocore; print(botocore.__version__)"], capture_output=True, text=True)
    if p.returncode != 0 or tuple(int(x) for x in p.stdout.strip().split(".")[:2]) < (1, 30):
        return None
    return exe


def test_sigv2_sub_resources_with_boto3(silt, s3, bucket):
    exe = newer_boto3()
    if exe is None:
        pytest.skip("no python3 with botocore >= 1.30 on PATH (the aws cli's interpreter carries one)")
    env = dict(os.environ, SILT_ENDPOINT=silt.endpoint, SILT_KEY=silt.access_key, SILT_SECRET=silt.secret_key,
               SILT_BUCKET=bucket)
    p = subprocess.run([exe, "-c", SIGV2_SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    out = json.loads(p.stdout)
    errors = {k: v for k, v in out.items() if isinstance(v, dict) and "error" in v}
    assert errors == {}, (out["botocore"], errors)
    assert out["schemes"] == ["AWS"]  # every request header-signed SigV2 (HmacV1)
    assert out["get_versioning"]["Status"] == "Enabled"
    assert any(g["Grantee"].get("URI", "").endswith("AllUsers") for g in out["get_bucket_acl"]["Grants"])
    assert out["get_tagging"]["TagSet"] == [{"Key": "a", "Value": "1"}]
    assert out["get_version"]["Body"] == "v2 body" and out["get_version"]["ContentType"] == "text/x-v2"
    assert out["get_lifecycle"]["Rules"][0]["Filter"] == {"Prefix": "x/"}
    assert out["list_parts"]["Parts"][0]["PartNumber"] == 1
    assert out["complete"]["Key"] == "mp"
    assert out["delete_objects"]["Deleted"][0]["Key"] == "mp"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v2 body"
    still_serving(s3)


def test_sigv2_presigned_sub_resources(silt, s3, bucket):
    """response-* overrides and versionId are in a SigV2 URL's string to sign."""
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket=bucket, Key="p", Body=b"presigned v2")["VersionId"]
    s3.put_object(Bucket=bucket, Key="p", Body=b"newer")
    # Debian's boto3 presigns SigV2 right (its header signing of sub-resources is broken
    # client-side: botocore 1.29 signs "/b?acl?acl", which AWS refuses too).
    v2 = boto3.session.Session().client(
        "s3", endpoint_url=silt.endpoint, aws_access_key_id=silt.access_key,
        aws_secret_access_key=silt.secret_key, region_name=silt.region,
        config=Config(signature_version="s3", s3={"addressing_style": "path"}))
    url = v2.generate_presigned_url("get_object", Params={
        "Bucket": bucket, "Key": "p", "VersionId": version, "ResponseContentType": "text/x-old",
        "ResponseContentDisposition": "inline"}, ExpiresIn=600)
    assert "AWSAccessKeyId=" in url
    r = requests.get(url, timeout=10)
    assert r.status_code == 200, r.text
    assert r.content == b"presigned v2" and r.headers["Content-Type"] == "text/x-old"
    # The sub-resources are signed: another version, or another override, is refused.
    other = s3.list_object_versions(Bucket=bucket, Prefix="p")["Versions"][0]["VersionId"]
    r = requests.get(url.replace(version, other), timeout=10)
    assert (r.status_code, error_code(r.content)) == (403, "SignatureDoesNotMatch")
    r = requests.get(url.replace("text%2Fx-old", "text%2Fhtml"), timeout=10)
    assert (r.status_code, error_code(r.content)) == (403, "SignatureDoesNotMatch")
    still_serving(s3)


def sign_v2(secret, sts):
    return base64.b64encode(hmac.new(secret.encode(), sts.encode(), hashlib.sha1).digest()).decode()


def test_sigv2_sub_resource_is_covered_by_the_signature(silt, s3, bucket):
    """A SigV2 header signature for GET /b/k does not open /b/k?acl, nor one for ?acl
    another sub-resource."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    path = s3raw.key_path(bucket, "k")
    date = datetime.datetime.utcnow().strftime("%a, %d %b %Y %H:%M:%S GMT")
    h = {"Host": silt.host, "Date": date,
         "Authorization": f"AWS {silt.access_key}:{sign_v2(silt.secret_key, f'GET{chr(10)*3}{date}{chr(10)}{path}')}"}
    conn = silt.raw()
    try:
        assert conn.request("GET", path, h).status == 200
        r = conn.request("GET", path + "?acl", h)
        assert (r.status, error_code(r.body)) == (403, "SignatureDoesNotMatch")
        acl_sig = sign_v2(silt.secret_key, f"GET\n\n\n{date}\n{path}?acl")
        h["Authorization"] = f"AWS {silt.access_key}:{acl_sig}"
        assert conn.request("GET", path + "?acl", h).status == 200
        r = conn.request("GET", path + "?tagging", h)
        assert (r.status, error_code(r.body)) == (403, "SignatureDoesNotMatch")
    finally:
        conn.close()
    still_serving(s3)


def test_sigv2_sub_resources_with_s3cmd(silt, s3, tmp_path):
    cfg = silt.client_dir / "s3cmd-v2.cfg"
    cfg.write_text((silt.client_dir / "s3cmd.cfg").read_text().replace("signature_v2 = False", "signature_v2 = True"))

    def s3cmd(*args):
        p = subprocess.run(["s3cmd", "-c", str(cfg), "--debug", *args], capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, (p.stdout + p.stderr)[-3000:]
        assert "signature-v4" not in p.stderr  # signed V2 throughout
        return p.stdout

    name = bucket_name("s3cmd-v2")
    s3cmd("mb", f"s3://{name}")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(12 * MiB))
    s3cmd("put", str(big), f"s3://{name}/big", "--multipart-chunk-size-mb=5")  # ?uploads, ?partNumber&uploadId
    assert s3.head_object(Bucket=name, Key="big")["ETag"].endswith('-3"')
    info = s3cmd("info", f"s3://{name}")  # ?location ?acl ?policy ?cors ?lifecycle ...
    assert "Location:" in info
    s3cmd("setacl", f"s3://{name}/big", "--acl-public")  # ?acl
    assert requests.head(f"{silt.endpoint}/{name}/big", timeout=10).status_code == 200
    s3cmd("put", str(tmp_path / "big.bin"), f"s3://{name}/second")
    s3cmd("del", "--recursive", "--force", f"s3://{name}")  # ?delete
    assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 0
    s3cmd("rb", f"s3://{name}")


# --- an empty Content-MD5 ---------------------------------------------------------------------------

def test_empty_content_md5_is_invalid_digest(silt, s3, bucket):
    e = client_error(s3.put_object, Bucket=bucket, Key="k", Body=b"abc", ContentMD5="")
    assert code(e) == ("InvalidDigest", 400)
    assert e.response["Error"]["Message"] == "The Content-MD5 you specified was invalid."
    upload = s3.create_multipart_upload(Bucket=bucket, Key="m")["UploadId"]
    e = client_error(s3.upload_part, Bucket=bucket, Key="m", UploadId=upload, PartNumber=1, Body=b"x", ContentMD5="")
    assert code(e) == ("InvalidDigest", 400)
    assert s3.list_parts(Bucket=bucket, Key="m", UploadId=upload).get("Parts", []) == []
    # Written by hand too, with and without a blank after the colon: the header is signed
    # as the empty value it is, so the answer is InvalidDigest, not SignatureDoesNotMatch.
    for sep in (": ", ":"):
        body = b"abc"
        h = silt.signer().sign("PUT", s3raw.key_path(bucket, "raw"), [], {"Content-MD5": ""},
                               hashlib.sha256(body).hexdigest())
        h["Content-Length"] = str(len(body))
        lines = [f"PUT {s3raw.key_path(bucket, 'raw')} HTTP/1.1"] + [
            f"{k}{sep if k == 'Content-MD5' else ': '}{v}" for k, v in h.items()]
        conn = silt.raw()
        try:
            conn.send(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            r = conn.read_response("PUT")
        finally:
            conn.close()
        assert (r.status, error_code(r.body)) == (400, "InvalidDigest"), r
    # Bodies read whole (configuration documents) answer the same.
    lifecycle = (b"<LifecycleConfiguration><Rule><ID>r</ID><Status>Enabled</Status><Filter/>"
                 b"<Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>")
    r = silt.request("PUT", bucket, params=[("lifecycle", None)], headers={"Content-MD5": ""}, body=lifecycle)
    assert (r.status, error_code(r.body)) == (400, "InvalidDigest")
    for key in ("k", "raw"):
        assert code(client_error(s3.head_object, Bucket=bucket, Key=key)) == ("404", 404)
    assert code(client_error(s3.get_bucket_lifecycle_configuration, Bucket=bucket))[1] == 404
    # A right one is still taken.
    md5 = base64.b64encode(hashlib.md5(b"abc").digest()).decode()
    s3.put_object(Bucket=bucket, Key="k", Body=b"abc", ContentMD5=md5)
    still_serving(s3)


# --- ListObjectsV2 with an empty ContinuationToken -------------------------------------------

def test_list_objects_v2_empty_continuation_token_is_no_token(s3, bucket):
    for k in ("a", "b", "c"):
        s3.put_object(Bucket=bucket, Key=k, Body=b"")
    page = s3.list_objects_v2(Bucket=bucket, ContinuationToken="", MaxKeys=2)
    assert [o["Key"] for o in page["Contents"]] == ["a", "b"]
    assert page["IsTruncated"] and "ContinuationToken" not in page
    rest = s3.list_objects_v2(Bucket=bucket, ContinuationToken=page["NextContinuationToken"], MaxKeys=2)
    assert [o["Key"] for o in rest["Contents"]] == ["c"]
    assert rest["ContinuationToken"] == page["NextContinuationToken"]
    # A token that is not one of silt's is still refused.
    e = client_error(s3.list_objects_v2, Bucket=bucket, ContinuationToken="%%%")
    assert code(e) == ("InvalidArgument", 400)


# --- tags in key order ---------------------------------------------------------------------------

def test_tags_come_back_sorted_by_key(s3, bucket):
    s3.put_object(Bucket=bucket, Key="h", Body=b"x", Tagging="zeta=1&alpha=2&Mid=3&beta=4")
    want = [{"Key": "Mid", "Value": "3"}, {"Key": "alpha", "Value": "2"}, {"Key": "beta", "Value": "4"},
            {"Key": "zeta", "Value": "1"}]
    assert s3.get_object_tagging(Bucket=bucket, Key="h")["TagSet"] == want
    s3.put_object_tagging(Bucket=bucket, Key="h", Tagging={"TagSet": [
        {"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}, {"Key": "c", "Value": "3"}]})
    assert [t["Key"] for t in s3.get_object_tagging(Bucket=bucket, Key="h")["TagSet"]] == ["a", "b", "c"]
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "h"},
                   TaggingDirective="REPLACE", Tagging="y=1&x=2")
    assert [t["Key"] for t in s3.get_object_tagging(Bucket=bucket, Key="copy")["TagSet"]] == ["x", "y"]


# --- lifecycle configurations as stored ---------------------------------------------------------

JAN_2030 = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)

V2_RULES = [
    {"ID": "one-tag", "Status": "Enabled", "Filter": {"Tag": {"Key": "tier", "Value": "raw"}},
     "Expiration": {"Days": 30}},
    {"ID": "and-all", "Status": "Enabled",
     "Filter": {"And": {"Prefix": "logs/", "Tags": [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}],
                        "ObjectSizeGreaterThan": 1024, "ObjectSizeLessThan": 1 << 30}},
     "Transitions": [{"Days": 7, "StorageClass": "STANDARD_IA"}]},
    {"ID": "and-tags", "Status": "Disabled",
     "Filter": {"And": {"Tags": [{"Key": "x", "Value": "1"}, {"Key": "y", "Value": ""}]}},
     "Expiration": {"Date": JAN_2030}},
    {"ID": "and-prefix-size", "Status": "Enabled",
     "Filter": {"And": {"Prefix": "", "ObjectSizeLessThan": 4096}}, "Expiration": {"Days": 2}},
    {"ID": "bigger", "Status": "Enabled", "Filter": {"ObjectSizeGreaterThan": 1 << 20},
     "Expiration": {"Days": 9}},
    {"ID": "smaller", "Status": "Enabled", "Filter": {"ObjectSizeLessThan": 10}, "Expiration": {"Days": 9}},
    {"ID": "empty-prefix", "Status": "Enabled", "Filter": {"Prefix": ""},
     "NoncurrentVersionExpiration": {"NoncurrentDays": 4}},
    {"ID": "no-filter", "Status": "Enabled", "Filter": {},
     "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3}},
]

V1_RULES = [
    {"ID": "legacy-logs", "Prefix": "logs/", "Status": "Enabled", "Expiration": {"Days": 3}},
    {"ID": "legacy-tmp", "Prefix": "tmp/", "Status": "Enabled",
     "Transitions": [{"Days": 1, "StorageClass": "STANDARD_IA"}]},
]


@pytest.mark.parametrize("rules", [V2_RULES, V1_RULES], ids=["filters", "top-level-prefix"])
def test_lifecycle_configuration_reads_back_as_put(s3, bucket, rules):
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"] == rules


def test_lifecycle_v1_prefix_and_filter_do_not_mix(s3, bucket):
    filter_rule = {"ID": "f", "Status": "Enabled", "Filter": {"Prefix": "a/"}, "Expiration": {"Days": 1}}
    prefix_rule = {"ID": "p", "Prefix": "b/", "Status": "Enabled", "Expiration": {"Days": 1}}
    e = client_error(s3.put_bucket_lifecycle_configuration, Bucket=bucket,
                     LifecycleConfiguration={"Rules": [filter_rule, prefix_rule]})
    assert code(e) == ("InvalidRequest", 400)
    assert e.response["Error"]["Message"] == \
        "Base level prefix cannot be used in Lifecycle V2, prefixes are only supported in the Filter."
    e = client_error(s3.put_bucket_lifecycle_configuration, Bucket=bucket,
                     LifecycleConfiguration={"Rules": [prefix_rule, filter_rule]})
    assert code(e) == ("InvalidRequest", 400)
    assert e.response["Error"]["Message"] == "Filter element can only be used in Lifecycle V2."
    assert code(client_error(s3.get_bucket_lifecycle_configuration, Bucket=bucket)) == \
        ("NoSuchLifecycleConfiguration", 404)


# --- already right: kept by these regression tests ----------------------------------------------

def test_expired_presigned_urls_are_access_denied(silt, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    v2 = boto3.session.Session().client(
        "s3", endpoint_url=silt.endpoint, aws_access_key_id=silt.access_key,
        aws_secret_access_key=silt.secret_key, region_name=silt.region,
        config=Config(signature_version="s3", s3={"addressing_style": "path"}))
    urls = [s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=1),
            v2.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=1)]
    time.sleep(2.1)
    for url in urls:
        r = requests.get(url, timeout=10)
        assert r.status_code == 403, r.text
        assert error_code(r.content) == "AccessDenied"
        assert "<Message>Request has expired</Message>" in r.text
    still_serving(s3)


def public_policy(bucket, actions):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": actions,
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}]})


def test_anonymous_read_of_a_missing_key_in_a_listable_bucket_is_404(silt, s3, bucket):
    """AWS: a missing key is 404 NoSuchKey only to a caller who may both read it
    (s3:GetObject) and list the bucket (s3:ListBucket)."""
    s3.put_bucket_policy(Bucket=bucket, Policy=public_policy(bucket, ["s3:GetObject", "s3:ListBucket"]))
    r = requests.get(f"{silt.endpoint}/{bucket}/missing", timeout=10)
    assert (r.status_code, error_code(r.content)) == (404, "NoSuchKey")
    assert requests.head(f"{silt.endpoint}/{bucket}/missing", timeout=10).status_code == 404
    # May list but not read (a public-read bucket ACL grants READ on the bucket, which is
    # listing, and no s3:GetObject): AccessDenied, so the key's absence is not revealed.
    s3.delete_bucket_policy(Bucket=bucket)
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert requests.get(f"{silt.endpoint}/{bucket}", timeout=10).status_code == 200
    r = requests.get(f"{silt.endpoint}/{bucket}/missing", timeout=10)
    assert (r.status_code, error_code(r.content)) == (403, "AccessDenied")
    assert requests.head(f"{silt.endpoint}/{bucket}/missing", timeout=10).status_code == 403
    still_serving(s3)


def test_a_reader_who_may_not_list_gets_access_denied_for_a_missing_key(silt, s3, bucket):
    """AWS: without s3:ListBucket a missing key is 403 AccessDenied, even to a caller who
    may read every object, so reads reveal nothing about which keys exist."""
    s3.put_object(Bucket=bucket, Key="there", Body=b"x")
    s3.put_bucket_policy(Bucket=bucket, Policy=public_policy(bucket, ["s3:GetObject"]))
    assert requests.get(f"{silt.endpoint}/{bucket}/there", timeout=10).content == b"x"
    r = requests.get(f"{silt.endpoint}/{bucket}/missing", timeout=10)
    assert (r.status_code, error_code(r.content)) == (403, "AccessDenied")
    assert requests.head(f"{silt.endpoint}/{bucket}/missing", timeout=10).status_code == 403
    r = requests.get(f"{silt.endpoint}/{bucket}/missing?tagging", timeout=10)
    assert r.status_code == 403, r.content
    # The owner may list: 404 NoSuchKey.
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=bucket, Key="missing")
    still_serving(s3)
