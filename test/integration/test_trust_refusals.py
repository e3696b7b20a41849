"""What silt refuses (issue 15 finding 6) and the authorization edges of finding 7: a request
asking for a guarantee silt does not give gets AWS's error for an unavailable feature and
stores nothing, and silt goes on serving.

- every row of the table in server/s3/unsupported_headers.cpp, for every operation it names,
  as a raw signed request, with what must not have happened checked afterwards (the rows
  are read from the source, so a new row is tested and must be documented);
- the same refusals through real clients: aws cli (--sse-c over http; --sse on a silt
  started without master key or keyring; --object-lock-mode / --object-lock-legal-hold-status
  on a bucket without Object Lock) and boto3 (SSECustomerKey= over http, ServerSideEncryption=
  with a context or Bucket Key on a silt without keys, WebsiteRedirectLocation=, ObjectLockMode=
  on a bucket without Object Lock), and POST Object form
  fields, which act as PutObject's headers (what they do: test_sse.py, test_object_lock.py,
  test_acl_grants.py);
- over https, where SSE-C is served (test_sse.py): a customer key for an object written
  without one is "not applicable";
- the bucket-level endpoints of features silt lacks: PutBucketEncryption on a silt without
  keys, website, replication;
- the checks silt performs instead of refusing: x-amz-expected-bucket-owner,
  x-amz-source-expected-bucket-owner, x-amz-mp-object-size;
- two users: x-amz-acl beyond private needs s3:PutObjectAcl; the bucket policy and ACL
  stay the owner's whatever a policy grants; POST Object is decided on its key's ARN;
- docs/security.md lists every row of the table.
"""
import datetime
import json
import os
import pathlib
import re

import pytest
import requests

import s3raw
from s3assert import client, client_error, code, error_code, ok
from silt_server import REPO, bucket_name, extra_headers
from test_tls import Pki, TlsSilt

MiB = 1 << 20
ALICE_SECRET = "alice-secret-refusals-1"
BOB_SECRET = "bob-secret-refusals-22"
SSEC_KEY = "0123456789abcdef0123456789abcdef"  # 32 bytes, what AES256 takes
DENIED = ("AccessDenied", 403)
STATUS = {"InvalidRequest": 400, "InvalidArgument": 400, "NotImplemented": 501}
TABLE_SOURCE = REPO / "server" / "s3" / "unsupported_headers.cpp"
SECURITY_DOC = REPO / "docs" / "security.md"


# --- the table, as the code has it -----------------------------------------------------------

def code_table():
    """[(header, [operations], asks, http_code, https_code)] parsed from unsupported_headers.cpp."""
    src = TABLE_SOURCE.read_text()
    ops = {name: re.findall(r'"([^"]+)"', body)
           for name, body in re.findall(r"constexpr Ops (\w+)\[\] = \{(.*?)\};", src, re.S)}
    answers = dict(re.findall(r"constexpr Answer (\w+)\{\s*s3::Code::(\w+)", src))
    # An answer marked served is no refusal: the operation does it (SSE-C over https).
    answers.update({name: "served" for name in re.findall(r"constexpr Answer (\w+)\{[^}]*,\s*true\}", src)})
    table = re.search(r"constexpr Refusal kTable\[\] = \{(.*?)\n\};", src, re.S).group(1)
    rows = re.findall(r'\{"([^"]+)",\s*(\w+),\s*Asks::(\w+),\s*(\w+),\s*(\w+)\}', table)
    assert len(rows) == table.count('{"'), "a row of kTable did not parse"
    return [(h, ops[o], asks, answers[a1], answers[a2]) for h, o, asks, a1, a2 in rows]


ROWS = code_table()
# A header name each prefix row is tried with.
EXAMPLE = {
    "x-amz-server-side-encryption-customer-*": "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-copy-source-server-side-encryption-customer-*": "x-amz-copy-source-server-side-encryption-customer-key",
    "x-amz-object-lock-*": "x-amz-object-lock-mode",
    "x-amz-grant-*": "x-amz-grant-read",
}
VALUE = {"AnyValue": "AES256", "NotStar": '"0123456789abcdef0123456789abcdef"'}


def header_of(pattern):
    if pattern.endswith("*"):
        assert pattern in EXAMPLE, f"give the prefix row {pattern} an example header name in EXAMPLE"
        return EXAMPLE[pattern]
    return pattern


CASES = [pytest.param(header, op, asks, c_http, id=f"{header}-{op}")
         for header, operations, asks, c_http, _ in ROWS for op in operations if op != "PostObject"]


# --- fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def world(silt):
    ok(silt.admin("user", "add", "alice", "--secret-stdin", input=ALICE_SECRET + "\n"))
    ok(silt.admin("user", "add", "bob", "--secret-stdin", input=BOB_SECRET + "\n"))
    return {"alice": client(silt, "alice", ALICE_SECRET), "bob": client(silt, "bob", BOB_SECRET),
            "anonymous": client(silt, unsigned=True)}


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    server = TlsSilt(tmp_path_factory.mktemp("silt-tls"), Pki(tmp_path_factory.mktemp("pki")))
    try:
        server.start()
    except RuntimeError as e:
        server.stop()
        pytest.fail(str(e), pytrace=False)
    yield server
    assert server.stop(timeout=10) == 0, server.log_tail()


def still_serving(s3, bucket):
    """silt answers an ordinary PUT and GET after a refusal."""
    s3.put_object(Bucket=bucket, Key="after-refusal", Body=b"fine")
    assert s3.get_object(Bucket=bucket, Key="after-refusal")["Body"].read() == b"fine"


def absent(s3, bucket, key):
    return code(client_error(s3.head_object, Bucket=bucket, Key=key)) == ("404", 404)


def grants(acl):
    return {(g["Grantee"].get("URI") or g["Grantee"].get("ID"), g["Permission"]) for g in acl["Grants"]}


def answer(r):
    """(status, S3 error code or None) of a requests.Response."""
    return r.status_code, (error_code(r.content) if b"<Error>" in r.content else None)


def refused(e, want_code):
    assert code(e) == (want_code, STATUS[want_code]), e.response


# --- every row of the table, raw -------------------------------------------------------------

COMPLETE_BODY = b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part>" \
                b"</CompleteMultipartUpload>"


@pytest.mark.parametrize("pattern,op,asks,want", CASES)
def test_every_row_is_refused_and_nothing_happens(silt, s3, pattern, op, asks, want):
    b = bucket_name("row")
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="src", Body=b"source")
    upload = s3.create_multipart_upload(Bucket=b, Key="mp")["UploadId"]
    header = {header_of(pattern): VALUE[asks]}
    copy = {"x-amz-copy-source": f"/{b}/src"}
    new_bucket = bucket_name("never")
    requests_by_op = {
        "PutObject": ("PUT", b, "dst", [], {}, b"data"),
        "CopyObject": ("PUT", b, "dst", [], copy, b""),
        "CreateMultipartUpload": ("POST", b, "dst", [("uploads", None)], {}, b""),
        "UploadPart": ("PUT", b, "mp", [("partNumber", "1"), ("uploadId", upload)], {}, b"part"),
        "UploadPartCopy": ("PUT", b, "mp", [("partNumber", "1"), ("uploadId", upload)], copy, b""),
        "CompleteMultipartUpload": ("POST", b, "mp", [("uploadId", upload)], {}, COMPLETE_BODY),
        "GetObject": ("GET", b, "src", [], {}, b""),
        "HeadObject": ("HEAD", b, "src", [], {}, b""),
        "GetObjectAttributes": ("GET", b, "src", [("attributes", None)], {"x-amz-object-attributes": "ETag"}, b""),
        "CreateBucket": ("PUT", new_bucket, "", [], {}, b""),
        "PutBucketAcl": ("PUT", b, "", [("acl", None)], {}, b""),
        "PutObjectAcl": ("PUT", b, "src", [("acl", None)], {}, b""),
        "DeleteObject": ("DELETE", b, "src", [], {}, b""),
    }
    assert op in requests_by_op, f"give operation {op} a request in requests_by_op"
    method, bucket, key, params, extra, body = requests_by_op[op]
    r = silt.request(method, bucket, key, params=params, headers={**extra, **header}, body=body)
    assert r.status == STATUS[want], r
    if method != "HEAD":
        assert r.error_code() == want, r

    # Nothing happened.
    assert absent(s3, b, "dst")
    assert s3.get_object(Bucket=b, Key="src")["Body"].read() == b"source"
    assert "Parts" not in s3.list_parts(Bucket=b, Key="mp", UploadId=upload)
    assert [u["Key"] for u in s3.list_multipart_uploads(Bucket=b).get("Uploads", [])] == ["mp"]
    owner_id = s3.list_buckets()["Owner"]["ID"]  # the root's canonical id (issue 19 item 4)
    assert grants(s3.get_bucket_acl(Bucket=b)) == {(owner_id, "FULL_CONTROL")}
    assert grants(s3.get_object_acl(Bucket=b, Key="src")) == {(owner_id, "FULL_CONTROL")}
    assert code(client_error(s3.head_bucket, Bucket=new_bucket)) == ("404", 404)
    still_serving(s3, b)


# --- real clients -----------------------------------------------------------------------------

def test_aws_cli_sse_c_is_refused_over_http(silt, s3, bucket, tmp_path):
    f = tmp_path / "secret.txt"
    f.write_bytes(b"customer-keyed secret")
    p = silt.aws("s3", "cp", str(f), f"s3://{bucket}/secret.txt", "--sse-c", "AES256", "--sse-c-key", SSEC_KEY,
                 check=False)
    assert p.returncode != 0
    assert "InvalidRequest" in p.stderr and "secure connection" in p.stderr, p.stderr
    assert absent(s3, bucket, "secret.txt")
    still_serving(s3, bucket)


@pytest.mark.parametrize("sse", ["AES256", "aws:kms"])
def test_aws_cli_sse_is_not_implemented(silt, s3, bucket, tmp_path, sse):
    f = tmp_path / "f.txt"
    f.write_bytes(b"plain")
    p = silt.aws("s3", "cp", str(f), f"s3://{bucket}/f.txt", "--sse", sse, check=False)
    assert p.returncode != 0
    assert "NotImplemented" in p.stderr, p.stderr
    assert absent(s3, bucket, "f.txt")
    still_serving(s3, bucket)


def test_aws_cli_object_lock_is_refused(silt, s3, bucket, tmp_path):
    f = tmp_path / "f.txt"
    f.write_bytes(b"keep me")
    until = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    p = silt.aws("s3api", "put-object", "--bucket", bucket, "--key", "locked", "--body", str(f),
                 "--object-lock-mode", "COMPLIANCE", "--object-lock-retain-until-date", until, check=False)
    assert p.returncode != 0
    assert "InvalidRequest" in p.stderr and "Object Lock" in p.stderr, p.stderr
    assert absent(s3, bucket, "locked")
    p = silt.aws("s3api", "put-object", "--bucket", bucket, "--key", "held", "--body", str(f),
                 "--object-lock-legal-hold-status", "ON", check=False)
    assert p.returncode != 0 and "InvalidRequest" in p.stderr, p.stderr
    assert absent(s3, bucket, "held")
    still_serving(s3, bucket)


def test_boto3_sse_c_over_http(s3, bucket):
    s3.put_object(Bucket=bucket, Key="plain", Body=b"plain bytes")
    ssec = dict(SSECustomerAlgorithm="AES256", SSECustomerKey=SSEC_KEY)
    e = client_error(s3.put_object, Bucket=bucket, Key="k", Body=b"secret", **ssec)
    refused(e, "InvalidRequest")
    assert "secure connection" in e.response["Error"]["Message"]
    assert absent(s3, bucket, "k")
    refused(client_error(s3.get_object, Bucket=bucket, Key="plain", **ssec), "InvalidRequest")
    refused(client_error(s3.create_multipart_upload, Bucket=bucket, Key="mp", **ssec), "InvalidRequest")
    refused(client_error(s3.copy_object, Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "plain"},
                         CopySourceSSECustomerAlgorithm="AES256", CopySourceSSECustomerKey=SSEC_KEY),
            "InvalidRequest")
    assert absent(s3, bucket, "copy")
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)
    still_serving(s3, bucket)


@pytest.mark.parametrize("args", [
    dict(ServerSideEncryption="AES256"),
    dict(ServerSideEncryption="aws:kms", SSEKMSKeyId="arn:aws:kms:us-east-1:000000000000:key/k"),
    dict(ServerSideEncryption="aws:kms:dsse"),
    # A context and a Bucket Key are served with SSE-KMS (test_sse.py); this silt has no keyring.
    dict(ServerSideEncryption="aws:kms", SSEKMSEncryptionContext="eyJhIjoiYiJ9"),
    dict(ServerSideEncryption="aws:kms", BucketKeyEnabled=True),
    dict(WebsiteRedirectLocation="/elsewhere"),
], ids=["sse-s3", "sse-kms", "dsse-kms", "kms-context", "bucket-key", "website-redirect"])
def test_boto3_write_options_silt_lacks_are_not_implemented(s3, bucket, args):
    refused(client_error(s3.put_object, Bucket=bucket, Key="k", Body=b"x", **args), "NotImplemented")
    assert absent(s3, bucket, "k")
    s3.put_object(Bucket=bucket, Key="src", Body=b"src")
    refused(client_error(s3.copy_object, Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "src"},
                         **args), "NotImplemented")
    refused(client_error(s3.create_multipart_upload, Bucket=bucket, Key="k", **args), "NotImplemented")
    assert absent(s3, bucket, "k")
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)
    still_serving(s3, bucket)


@pytest.mark.parametrize("args", [
    dict(ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=datetime.datetime(2099, 1, 1)),
    dict(ObjectLockLegalHoldStatus="ON"),
], ids=["retention", "legal-hold"])
def test_boto3_object_lock_on_writes(s3, bucket, args):
    e = client_error(s3.put_object, Bucket=bucket, Key="k", Body=b"x", **args)
    refused(e, "InvalidRequest")
    assert e.response["Error"]["Message"] == "Bucket is missing Object Lock Configuration"
    assert absent(s3, bucket, "k")
    s3.put_object(Bucket=bucket, Key="src", Body=b"src")
    refused(client_error(s3.copy_object, Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "src"},
                         **args), "InvalidRequest")
    refused(client_error(s3.create_multipart_upload, Bucket=bucket, Key="k", **args), "InvalidRequest")
    assert absent(s3, bucket, "k")
    # Nothing is locked, so nothing pretends to be: the object deletes as ever.
    s3.delete_object(Bucket=bucket, Key="src")
    still_serving(s3, bucket)


# CreateBucket's options are all served: x-amz-grant-* since issue 19 item 4 (test_acl_grants.py),
# x-amz-object-ownership since issue 19 item 5 (test_bucket_apis.py).


# Conditional deletes (DeleteObject's If-Match / x-amz-if-match-*, DeleteObjects' per-key
# <ETag> / <Size> / <LastModifiedTime>) were refused here until issue 19 item 3 made them
# real: test_conditional_writes.py.


def test_append_is_not_implemented(silt, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"head")
    r = silt.request("PUT", bucket, "k", headers={"x-amz-write-offset-bytes": "4"}, body=b"tail")
    assert (r.status, r.error_code()) == (501, "NotImplemented"), r
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"head"
    still_serving(s3, bucket)


def post_form(s3, bucket, key, fields=None, conditions=None):
    return s3.generate_presigned_post(bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=600)


def post_upload(post, data=b"form upload", extra=None):
    fields = dict(post["fields"])
    fields.update(extra or {})
    return requests.post(post["url"], data=fields, files={"file": ("f.bin", data)}, timeout=30)


@pytest.mark.parametrize("field,value,want", [
    # The form's encryption is PutObject's (test_sse.py); this silt holds no master key, so
    # SSE-S3 is refused as a PutObject's is, and a key id without aws:kms is invalid.
    ("x-amz-server-side-encryption", "AES256", "NotImplemented"),
    ("x-amz-server-side-encryption-aws-kms-key-id", "k", "InvalidArgument"),
    ("x-amz-server-side-encryption-customer-algorithm", "AES256", "InvalidRequest"),
    # Object Lock and grant fields are PutObject's headers too (test_object_lock.py,
    # test_acl_grants.py): a mode without a date is invalid, a grant of no known form too.
    ("x-amz-object-lock-mode", "GOVERNANCE", "InvalidArgument"),
    ("x-amz-grant-read", "nobody", "InvalidArgument"),
    ("x-amz-website-redirect-location", "/x", "NotImplemented"),
])
def test_post_object_form_fields(s3, bucket, field, value, want):
    post = post_form(s3, bucket, "posted", fields={field: value}, conditions=[{field: value}])
    r = post_upload(post)
    assert answer(r) == (STATUS[want], want), r.text
    assert absent(s3, bucket, "posted")
    # The same form without the field goes through.
    r = post_upload(post_form(s3, bucket, "posted"))
    assert r.status_code == 204, r.text
    still_serving(s3, bucket)


# --- over https --------------------------------------------------------------------------------

def test_sse_c_over_https(tls):
    # Over https SSE-C is served (test_sse.py covers it); what stays refused is a key
    # offered for an object that was not written with one.
    s3 = tls.boto3()
    b = bucket_name("tls-ssec")
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="plain", Body=b"plain bytes")
    ssec = dict(SSECustomerAlgorithm="AES256", SSECustomerKey=SSEC_KEY)
    s3.put_object(Bucket=b, Key="k", Body=b"secret", **ssec)
    assert s3.get_object(Bucket=b, Key="k", **ssec)["Body"].read() == b"secret"
    e = client_error(s3.get_object, Bucket=b, Key="plain", **ssec)
    refused(e, "InvalidRequest")
    assert e.response["Error"]["Message"] == "The encryption parameters are not applicable to this object."
    assert code(client_error(s3.head_object, Bucket=b, Key="plain", **ssec)) == ("400", 400)
    refused(client_error(s3.copy_object, Bucket=b, Key="copy", CopySource={"Bucket": b, "Key": "plain"},
                         CopySourceSSECustomerAlgorithm="AES256", CopySourceSSECustomerKey=SSEC_KEY),
            "InvalidRequest")
    assert absent(s3, b, "copy")
    tls.aws("s3", "cp", f"s3://{b}/plain", f"s3://{b}/again", "--sse-c", "AES256", "--sse-c-key", SSEC_KEY)
    assert s3.get_object(Bucket=b, Key="again", **ssec)["Body"].read() == b"plain bytes"
    still_serving(s3, b)


# --- the bucket-level endpoints of the same features ---------------------------------------------

def test_feature_configuration_endpoints_are_not_implemented(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    calls = [
        lambda: s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}),
        lambda: s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "i.html"}}),
        lambda: s3.put_bucket_replication(Bucket=bucket, ReplicationConfiguration={
            "Role": "arn:aws:iam::000000000000:role/r",
            "Rules": [{"Status": "Enabled", "Destination": {"Bucket": "arn:aws:s3:::elsewhere"}, "Prefix": ""}]}),
    ]
    for call in calls:
        assert code(client_error(call)) == ("NotImplemented", 501)
    # Nothing is locked or retained: the object deletes.
    s3.delete_object(Bucket=bucket, Key="k")
    assert absent(s3, bucket, "k")
    still_serving(s3, bucket)


# --- checks silt performs instead of refusing them ------------------------------------------------

def test_expected_bucket_owner_is_enforced(silt, s3, world):
    alice = world["alice"]
    b = bucket_name("expected")
    alice.create_bucket(Bucket=b)
    alice.put_object(Bucket=b, Key="k", Body=b"alice", ExpectedBucketOwner="alice")
    e = client_error(alice.put_object, Bucket=b, Key="k2", Body=b"x", ExpectedBucketOwner="bob")
    assert code(e) == DENIED
    assert absent(alice, b, "k2")
    assert code(client_error(alice.get_object, Bucket=b, Key="k", ExpectedBucketOwner="bob")) == DENIED
    assert code(client_error(alice.list_objects_v2, Bucket=b, ExpectedBucketOwner="bob")) == DENIED
    # A check the client asked for holds for the admin too.
    assert code(client_error(s3.delete_object, Bucket=b, Key="k", ExpectedBucketOwner=silt.access_key)) == DENIED
    assert alice.get_object(Bucket=b, Key="k")["Body"].read() == b"alice"
    # The source of a copy.
    other = bucket_name("expected-dst")
    alice.create_bucket(Bucket=other)
    e = client_error(alice.copy_object, Bucket=other, Key="c", CopySource={"Bucket": b, "Key": "k"},
                     ExpectedSourceBucketOwner="bob")
    assert code(e) == DENIED
    assert absent(alice, other, "c")
    alice.copy_object(Bucket=other, Key="c", CopySource={"Bucket": b, "Key": "k"}, ExpectedSourceBucketOwner="alice",
                      ExpectedBucketOwner="alice")
    # The admin's buckets are reported (and expected) under its user name.
    admins = bucket_name("expected-admin")
    s3.create_bucket(Bucket=admins)
    s3.put_object(Bucket=admins, Key="k", Body=b"v", ExpectedBucketOwner=silt.access_key)
    assert code(client_error(s3.put_object, Bucket=admins, Key="k", Body=b"v", ExpectedBucketOwner="alice")) == DENIED
    still_serving(alice, b)


def test_mp_object_size_is_checked(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    first = os.urandom(5 * MiB)
    p1 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up, PartNumber=1, Body=first)
    p2 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up, PartNumber=2, Body=b"tail")
    parts = {"Parts": [{"PartNumber": 1, "ETag": p1["ETag"]}, {"PartNumber": 2, "ETag": p2["ETag"]}]}
    size = len(first) + 4
    for wrong in (str(size - 1), str(size + 1), "0"):
        with extra_headers(s3, {"x-amz-mp-object-size": wrong}, "CompleteMultipartUpload"):
            e = client_error(s3.complete_multipart_upload, Bucket=bucket, Key="mp", UploadId=up, MultipartUpload=parts)
        assert code(e) == ("InvalidRequest", 400), e.response
        assert absent(s3, bucket, "mp")
    with extra_headers(s3, {"x-amz-mp-object-size": "five"}, "CompleteMultipartUpload"):
        e = client_error(s3.complete_multipart_upload, Bucket=bucket, Key="mp", UploadId=up, MultipartUpload=parts)
    assert code(e) == ("InvalidArgument", 400)
    with extra_headers(s3, {"x-amz-mp-object-size": str(size)}, "CompleteMultipartUpload"):
        s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up, MultipartUpload=parts)
    assert s3.head_object(Bucket=bucket, Key="mp")["ContentLength"] == size


# --- authorization edges, two users -----------------------------------------------------------------

def arn(bucket, key=None):
    return f"arn:aws:s3:::{bucket}" + (f"/{key}" if key is not None else "")


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_acl_beyond_private_needs_put_object_acl(silt, world):
    alice, bob = world["alice"], world["bob"]
    b = bucket_name("acl-grant")
    alice.create_bucket(Bucket=b)
    alice.put_object(Bucket=b, Key="src", Body=b"alice's")
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": ["s3:PutObject", "s3:GetObject"],
         "Resource": arn(b, "*")}))
    # Writing is granted; publishing is not.
    for acl in ("public-read", "public-read-write", "authenticated-read"):
        assert code(client_error(bob.put_object, Bucket=b, Key="pub", Body=b"x", ACL=acl)) == DENIED, acl
    assert absent(alice, b, "pub")
    assert code(client_error(bob.copy_object, Bucket=b, Key="pub", CopySource={"Bucket": b, "Key": "src"},
                             ACL="public-read")) == DENIED
    assert code(client_error(bob.create_multipart_upload, Bucket=b, Key="pub", ACL="public-read")) == DENIED
    assert absent(alice, b, "pub")
    assert "Uploads" not in alice.list_multipart_uploads(Bucket=b)
    post = post_form(bob, b, "pub", fields={"acl": "public-read"}, conditions=[{"acl": "public-read"}])
    r = post_upload(post)
    assert answer(r) == (403, "AccessDenied"), r.text
    assert absent(alice, b, "pub")
    assert requests.get(f"{silt.endpoint}/{b}/pub", timeout=30).status_code == 403
    # Private ACLs (and none) need nothing more.
    for acl in (None, "private", "bucket-owner-full-control", "bucket-owner-read"):
        extra = {"ACL": acl} if acl else {}
        bob.put_object(Bucket=b, Key=f"own-{acl}", Body=b"x", **extra)
    r = post_upload(post_form(bob, b, "posted-private"))
    assert r.status_code == 204, r.text
    # With s3:PutObjectAcl granted too, bob may publish.
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": ["s3:PutObject", "s3:GetObject",
                                                                    "s3:PutObjectAcl"], "Resource": arn(b, "*")}))
    bob.put_object(Bucket=b, Key="pub", Body=b"published", ACL="public-read")
    assert requests.get(f"{silt.endpoint}/{b}/pub", timeout=30).content == b"published"
    assert post_upload(post).status_code == 204
    # The owner never needed it.
    alice.put_object(Bucket=b, Key="alice-pub", Body=b"a", ACL="public-read")
    still_serving(alice, b)


@pytest.mark.parametrize("grantee", ["bob", "*"])
def test_policy_and_acl_are_the_owners_alone(silt, world, grantee):
    alice, bob = world["alice"], world["bob"]
    b = bucket_name("owner-only")
    alice.create_bucket(Bucket=b)
    alice.put_object(Bucket=b, Key="k", Body=b"v")
    principal = "*" if grantee == "*" else {"AWS": grantee}
    doc = policy({"Effect": "Allow", "Principal": principal, "Action": "s3:*", "Resource": [arn(b), arn(b, "*")]})
    alice.put_bucket_policy(Bucket=b, Policy=doc)
    hostile = policy({"Effect": "Deny", "Principal": {"AWS": "alice"}, "Action": "s3:*",
                      "Resource": [arn(b), arn(b, "*")]})
    # The policy calls a policy grants to someone else: 405, AWS's answer outside the owner's account.
    not_allowed = ("MethodNotAllowed", 405)
    assert code(client_error(bob.put_bucket_policy, Bucket=b, Policy=hostile)) == not_allowed
    assert code(client_error(bob.delete_bucket_policy, Bucket=b)) == not_allowed
    assert code(client_error(bob.get_bucket_policy, Bucket=b)) == not_allowed
    assert code(client_error(bob.put_bucket_acl, Bucket=b, ACL="public-read")) == DENIED
    if grantee == "*":
        assert code(client_error(world["anonymous"].delete_bucket_policy, Bucket=b)) == not_allowed
        r = requests.put(f"{silt.endpoint}/{b}", params={"acl": ""}, headers={"x-amz-acl": "public-read"}, timeout=30)
        assert answer(r) == (403, "AccessDenied")
    assert json.loads(alice.get_bucket_policy(Bucket=b)["Policy"]) == json.loads(doc)
    assert len(alice.get_bucket_acl(Bucket=b)["Grants"]) == 1
    # What the policy grants otherwise still works.
    bob.put_object(Bucket=b, Key="bobs", Body=b"b")
    assert bob.get_object(Bucket=b, Key="k")["Body"].read() == b"v"
    # The owner and the admin keep every right.
    admin = silt.boto3()
    admin.put_bucket_acl(Bucket=b, ACL="private")
    alice.put_bucket_acl(Bucket=b, ACL="private")
    admin.delete_bucket_policy(Bucket=b)
    assert code(client_error(bob.get_object, Bucket=b, Key="k")) == DENIED
    alice.put_bucket_policy(Bucket=b, Policy=doc)
    alice.delete_bucket_policy(Bucket=b)
    still_serving(alice, b)


def test_post_object_is_decided_on_its_keys_arn(silt, world):
    alice, bob = world["alice"], world["bob"]
    b = bucket_name("post-arn")
    alice.create_bucket(Bucket=b)
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "s3:PutObject", "Resource": arn(b, "*")},
        {"Effect": "Deny", "Principal": {"AWS": "bob"}, "Action": "s3:PutObject", "Resource": arn(b, "secret/*")}))
    assert code(client_error(bob.put_object, Bucket=b, Key="secret/x", Body=b"x")) == DENIED
    r = post_upload(post_form(bob, b, "secret/x"))
    assert answer(r) == (403, "AccessDenied"), r.text
    r = post_upload(post_form(bob, b, "${filename}"), extra={"key": "secret/${filename}"})
    assert r.status_code == 403, r.text
    assert absent(alice, b, "secret/x") and absent(alice, b, "secret/f.bin")
    r = post_upload(post_form(bob, b, "open/x"))
    assert r.status_code == 204, r.text
    still_serving(alice, b)


# --- the documentation ---------------------------------------------------------------------------

def doc_rows():
    text = SECURITY_DOC.read_text()
    section = re.search(r"^## What silt refuses\n(.*?)(?=^## )", text, re.S | re.M)
    assert section, "docs/security.md has no '## What silt refuses' section"
    out = []
    for line in section.group(1).splitlines():
        m = re.match(r"\|\s*`([^`]+)`[^|]*\|([^|]*)\|([^|]*)\|([^|]*)\|", line)
        if m:
            ops = {o.strip() for o in m.group(2).replace("`", "").split(",") if o.strip()}
            out.append((m.group(1), ops, m.group(3).strip(), m.group(4).strip()))
    return out


def test_security_doc_lists_every_row():
    documented = doc_rows()
    for header, operations, _, c_http, c_https in ROWS:
        cell = {c: "served" if c == "served" else f"{STATUS[c]} {c}" for c in (c_http, c_https)}
        want = (header, set(operations), cell[c_http], cell[c_https])
        assert want in documented, f"docs/security.md lacks the row {want}"
    assert len(documented) == len(ROWS), "docs/security.md lists a row the code does not have"
