"""Browser-side access: Put/Get/DeleteBucketCors, OPTIONS preflight and the CORS
headers on real responses, POST object uploads with a signed policy (boto3
generate_presigned_post + requests), and presigned PUTs (SigV4 and SigV2) from
requests and curl. Issue 3 item 6; clients.md §1.4 X-PRE-*, §2 B-08."""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
import requests
from botocore.config import Config

from silt_server import extra_headers, s3_client
from s3assert import client_error, code

MiB = 1 << 20
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
APP = "http://app.example"

RULES = [
    {"AllowedOrigins": [APP], "AllowedMethods": ["GET", "PUT", "POST", "HEAD"],
     "AllowedHeaders": ["content-type", "x-amz-*"], "ExposeHeaders": ["ETag", "x-amz-version-id"],
     "MaxAgeSeconds": 600},
    {"AllowedOrigins": ["https://*.wild.example"], "AllowedMethods": ["GET"]},
]


def error_code(resp: requests.Response):
    return ET.fromstring(resp.content).findtext("Code")


def preflight(silt, bucket, key, origin=APP, method="PUT", req_headers=None):
    h = {"Access-Control-Request-Method": method}
    if origin:
        h["Origin"] = origin
    if req_headers:
        h["Access-Control-Request-Headers"] = req_headers
    return requests.options(f"{silt.endpoint}/{bucket}/{key}", headers=h, timeout=10)


def split(value):
    return {v.strip().lower() for v in (value or "").split(",") if v.strip()}


@pytest.fixture
def cors_bucket(s3, bucket):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": RULES})
    return bucket


# --- configuration ----------------------------------------------------------------------

def test_put_get_delete_bucket_cors(s3, bucket):
    e = client_error(s3.get_bucket_cors, Bucket=bucket)
    assert code(e) == ("NoSuchCORSConfiguration", 404)
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": RULES})
    rules = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert len(rules) == 2
    assert rules[0]["AllowedOrigins"] == [APP]
    assert rules[0]["AllowedMethods"] == ["GET", "PUT", "POST", "HEAD"]
    assert rules[0]["AllowedHeaders"] == ["content-type", "x-amz-*"]
    assert rules[0]["ExposeHeaders"] == ["ETag", "x-amz-version-id"]
    assert rules[0]["MaxAgeSeconds"] == 600
    assert rules[1]["AllowedOrigins"] == ["https://*.wild.example"]
    resp = s3.delete_bucket_cors(Bucket=bucket)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    e = client_error(s3.get_bucket_cors, Bucket=bucket)
    assert code(e) == ("NoSuchCORSConfiguration", 404)


def test_invalid_cors_configuration(s3, bucket):
    e = client_error(s3.put_bucket_cors, Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": [APP], "AllowedMethods": ["FETCH"]}]})
    assert code(e)[1] == 400
    e = client_error(s3.get_bucket_cors, Bucket=bucket)
    assert code(e) == ("NoSuchCORSConfiguration", 404)


# --- preflight ----------------------------------------------------------------------------

def test_preflight_allowed(silt, cors_bucket):
    r = preflight(silt, cors_bucket, "some/key.png", method="PUT",
                  req_headers="Content-Type, X-Amz-Meta-Owner")
    assert r.status_code == 200, r.text
    assert r.headers["Access-Control-Allow-Origin"] == APP
    assert "PUT" in {m.upper() for m in split(r.headers["Access-Control-Allow-Methods"])}
    assert {"content-type", "x-amz-meta-owner"} <= split(r.headers["Access-Control-Allow-Headers"])
    assert r.headers["Access-Control-Max-Age"] == "600"
    # Preflight of the bucket itself (POST uploads go to /bucket).
    r = preflight(silt, cors_bucket, "", method="POST")
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == APP


def test_preflight_wildcard_origin(silt, cors_bucket):
    r = preflight(silt, cors_bucket, "k", origin="https://cdn.wild.example", method="GET")
    assert r.status_code == 200, r.text
    assert r.headers["Access-Control-Allow-Origin"] in ("https://cdn.wild.example", "*")
    r = preflight(silt, cors_bucket, "k", origin="https://cdn.wild.example", method="PUT")
    assert r.status_code == 403


@pytest.mark.parametrize("origin,method,req_headers", [
    ("http://evil.example", "PUT", None),         # origin matches no rule
    (APP, "DELETE", None),                         # method not allowed
    (APP, "PUT", "x-custom-header"),               # header not allowed
], ids=["origin", "method", "header"])
def test_preflight_denied(silt, cors_bucket, origin, method, req_headers):
    r = preflight(silt, cors_bucket, "k", origin=origin, method=method, req_headers=req_headers)
    assert r.status_code == 403, r.text
    assert "Access-Control-Allow-Origin" not in r.headers
    assert error_code(r) == "AccessForbidden"


def test_preflight_without_cors_config_or_origin(silt, bucket):
    r = preflight(silt, bucket, "k")
    assert r.status_code == 403
    assert "Access-Control-Allow-Origin" not in r.headers
    r = preflight(silt, bucket, "k", origin=None)
    assert r.status_code in (400, 403)


def test_cors_headers_on_real_requests(silt, s3, cors_bucket):
    s3.put_object(Bucket=cors_bucket, Key="k", Body=b"hello")
    with extra_headers(s3, {"Origin": APP}):
        resp = s3.get_object(Bucket=cors_bucket, Key="k")
    h = resp["ResponseMetadata"]["HTTPHeaders"]
    assert resp["Body"].read() == b"hello"
    assert h["access-control-allow-origin"] == APP
    assert {"etag", "x-amz-version-id"} <= split(h["access-control-expose-headers"])
    # A presigned GET from the browser: no Authorization header, same CORS answer.
    url = s3.generate_presigned_url("get_object", Params={"Bucket": cors_bucket, "Key": "k"})
    r = requests.get(url, headers={"Origin": APP}, timeout=10)
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == APP
    # An origin no rule allows: the request works, but carries no CORS headers.
    with extra_headers(s3, {"Origin": "http://evil.example"}):
        resp = s3.get_object(Bucket=cors_bucket, Key="k")
    assert "access-control-allow-origin" not in resp["ResponseMetadata"]["HTTPHeaders"]
    # Errors carry the CORS headers too, so the page can read the 404.
    url = s3.generate_presigned_url("get_object", Params={"Bucket": cors_bucket, "Key": "nope"})
    r = requests.get(url, headers={"Origin": APP}, timeout=10)
    assert r.status_code == 404 and r.headers.get("Access-Control-Allow-Origin") == APP


# --- POST object with a signed policy -------------------------------------------------------

def post_upload(post, data, filename="photo.png", extra=None):
    fields = dict(post["fields"])
    fields.update(extra or {})
    return requests.post(post["url"], data=fields, files={"file": (filename, data)}, timeout=30)


def test_presigned_post_upload(s3, bucket):
    data = os.urandom(300_000)
    post = s3.generate_presigned_post(
        bucket, "uploads/${filename}",
        Fields={"success_action_status": "201", "Content-Type": "image/png",
                "x-amz-meta-who": "browser"},
        Conditions=[{"success_action_status": "201"}, {"Content-Type": "image/png"},
                    {"x-amz-meta-who": "browser"}, ["starts-with", "$key", "uploads/"],
                    ["content-length-range", 1, 10 * MiB]],
        ExpiresIn=600)
    assert post["url"].rstrip("/").endswith("/" + bucket)
    r = post_upload(post, data)
    assert r.status_code == 201, r.text
    root = ET.fromstring(r.content)
    assert root.tag in ("PostResponse", NS + "PostResponse")
    find = (lambda t: root.findtext(t) or root.findtext(NS + t))
    assert find("Bucket") == bucket and find("Key") == "uploads/photo.png"
    assert find("ETag") == '"' + hashlib.md5(data).hexdigest() + '"'
    assert r.headers["ETag"] == find("ETag")
    got = s3.get_object(Bucket=bucket, Key="uploads/photo.png")
    assert got["Body"].read() == data
    assert got["ContentType"] == "image/png" and got["Metadata"] == {"who": "browser"}


def test_presigned_post_default_status_204(s3, bucket):
    post = s3.generate_presigned_post(bucket, "plain.bin", ExpiresIn=600)
    r = post_upload(post, b"small body")
    assert r.status_code == 204, r.text
    assert s3.get_object(Bucket=bucket, Key="plain.bin")["Body"].read() == b"small body"


def test_presigned_post_tampered_policy(s3, bucket):
    post = s3.generate_presigned_post(bucket, "uploads/${filename}",
                                      Conditions=[["starts-with", "$key", "uploads/"]],
                                      ExpiresIn=600)
    policy = json.loads(base64.b64decode(post["fields"]["policy"]))
    policy["conditions"] = [c for c in policy["conditions"]
                            if not (isinstance(c, list) and c[0] == "starts-with")]
    forged = base64.b64encode(json.dumps(policy).encode()).decode()
    r = post_upload(post, b"x", extra={"policy": forged, "key": "anywhere/x"})
    assert r.status_code == 403, r.text
    assert error_code(r) == "SignatureDoesNotMatch"
    client_error(s3.head_object, Bucket=bucket, Key="anywhere/x")


def test_presigned_post_condition_violations(s3, bucket):
    post = s3.generate_presigned_post(
        bucket, "uploads/${filename}",
        Conditions=[["starts-with", "$key", "uploads/"], ["content-length-range", 1, 1000]],
        ExpiresIn=600)
    r = post_upload(post, b"x", extra={"key": "elsewhere/x"})  # key outside the policy
    assert r.status_code == 403 and error_code(r) == "AccessDenied", r.text
    r = post_upload(post, os.urandom(2000))
    assert r.status_code == 400 and error_code(r) == "EntityTooLarge", r.text
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    expired = s3.generate_presigned_post(bucket, "late", ExpiresIn=-60)
    r = post_upload(expired, b"x")
    assert r.status_code == 403 and error_code(r) == "AccessDenied", r.text


def test_post_upload_with_cors(silt, s3, cors_bucket):
    post = s3.generate_presigned_post(cors_bucket, "c.txt", ExpiresIn=600)
    r = requests.post(post["url"], data=post["fields"], files={"file": ("c.txt", b"cors")},
                      headers={"Origin": APP}, timeout=30)
    assert r.status_code == 204, r.text
    assert r.headers.get("Access-Control-Allow-Origin") == APP


# --- presigned PUT from plain HTTP tools ----------------------------------------------------

def sigv2_client(silt):
    return s3_client(
        endpoint_url=silt.endpoint, aws_access_key_id=silt.access_key,
        aws_secret_access_key=silt.secret_key, region_name=silt.region,
        config=Config(signature_version="s3", s3={"addressing_style": "path"}))


@pytest.mark.parametrize("sig", ["s3v4", "s3"])
def test_presigned_put_with_requests(silt, s3, bucket, sig):
    client = s3 if sig == "s3v4" else sigv2_client(silt)
    data = os.urandom(2 * MiB + 1)
    url = client.generate_presigned_url("put_object", Params={
        "Bucket": bucket, "Key": f"pre-{sig}", "ContentType": "text/csv"}, ExpiresIn=600)
    assert ("X-Amz-Signature=" in url) == (sig == "s3v4")
    assert ("Signature=" in url and "AWSAccessKeyId=" in url) or sig == "s3v4"
    r = requests.put(url, data=data, headers={"Content-Type": "text/csv"}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"' + hashlib.md5(data).hexdigest() + '"'
    got = s3.get_object(Bucket=bucket, Key=f"pre-{sig}")
    assert got["Body"].read() == data and got["ContentType"] == "text/csv"
    # The content type is signed: another one is refused.
    r = requests.put(url, data=b"x", headers={"Content-Type": "text/plain"}, timeout=30)
    assert r.status_code == 403, r.text
    assert error_code(r) == "SignatureDoesNotMatch"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_presigned_put_with_curl(s3, bucket, rand, tmp_path):
    src = rand(3 * MiB + 5)
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "curl.bin"},
                                    ExpiresIn=600)
    p = subprocess.run(["curl", "-sS", "-f", "-T", str(src), url], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "curl.bin"},
                                    ExpiresIn=600)
    dst = tmp_path / "back.bin"
    p = subprocess.run(["curl", "-sS", "-f", "-o", str(dst), url], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    assert dst.read_bytes() == src.read_bytes()
