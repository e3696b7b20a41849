"""Object Lock against a real silt (issue 19 item 2, docs/object-lock.md): buckets created
with Object Lock (versioned, never suspended), Put/GetObjectLockConfiguration with default
retention, Put/GetObjectRetention (GOVERNANCE, COMPLIANCE), Put/GetObjectLegalHold, lock
headers on PUT, CopyObject and multipart, x-amz-bypass-governance-retention and its
permission, the admin refused like anyone, lifecycle expiration skipping locked versions
(transitions still moving them), and locks surviving a restart and `rebuild-index`.
Clients: Debian's boto3 (1.29: no default checksums), aws cli v1 (PATH) and v2 (/usr/bin/aws).
"""
import base64
import concurrent.futures
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import time

import pytest
import requests

from gdb_kill import kill_when_reached
from s3assert import client, client_error, code, hdrs, ok
from silt_server import SiltServer, bucket_name, silt_binary

ALICE_SECRET = "alice-secret-lock-0"
BOB_SECRET = "bob-secret-lock-123"


@pytest.fixture(scope="module")
def silt(tmp_path_factory):
    # A lifecycle day of one second, so rules fall due during the test (as test_lifecycle.py).
    server = SiltServer(tmp_path_factory.mktemp("silt-lock"))
    server.start(["--lifecycle-day-seconds", "1", "--lifecycle-interval", "0"])
    yield server
    assert server.stop() == 0, server.log_tail()


def utc_in(seconds):
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)


def md5_b64(data):
    # Debian's botocore adds Content-MD5 to PutObject and UploadPart by itself; the tests
    # name it anyway, so they hold with newer clients that send a CRC32 instead.
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def put(s3, bucket, key, body, **kw):
    """PutObject with Content-MD5, which AWS requires of a write that gets a lock."""
    return s3.put_object(Bucket=bucket, Key=key, Body=body, ContentMD5=md5_b64(body), **kw)


def lock_bucket(s3, hint):
    name = bucket_name(hint)
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    return name


def denied(e):
    assert code(e) == ("AccessDenied", 403), e.response
    assert e.response["Error"]["Message"] == "Access Denied because object protected by object lock."


def still_serving(s3, bucket):
    s3.put_object(Bucket=bucket, Key="after", Body=b"ok", ContentMD5=md5_b64(b"ok"))
    assert s3.get_object(Bucket=bucket, Key="after")["Body"].read() == b"ok"


def version_ids(s3, bucket, key):
    return [v["VersionId"] for v in s3.list_object_versions(Bucket=bucket, Prefix=key).get("Versions", [])
            if v["Key"] == key]


# --- buckets ------------------------------------------------------------------------------------

def test_create_bucket_with_object_lock_is_versioned_and_cannot_be_suspended(s3):
    b = lock_bucket(s3, "lock-create")
    assert s3.get_bucket_versioning(Bucket=b)["Status"] == "Enabled"
    conf = s3.get_object_lock_configuration(Bucket=b)["ObjectLockConfiguration"]
    assert conf == {"ObjectLockEnabled": "Enabled"}
    e = client_error(s3.put_bucket_versioning, Bucket=b, VersioningConfiguration={"Status": "Suspended"})
    assert code(e) == ("InvalidBucketState", 409)
    assert s3.get_bucket_versioning(Bucket=b)["Status"] == "Enabled"
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})  # no change: allowed
    still_serving(s3, b)


def test_bucket_without_object_lock(s3, bucket):
    e = client_error(s3.get_object_lock_configuration, Bucket=bucket)
    assert code(e) == ("ObjectLockConfigurationNotFoundError", 404)
    # Enabling it needs versioning on, as on AWS.
    e = client_error(s3.put_object_lock_configuration, Bucket=bucket,
                     ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})
    assert code(e) == ("InvalidBucketState", 409)
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    for call in (lambda: s3.put_object_retention(Bucket=bucket, Key="k", Retention={
                     "Mode": "COMPLIANCE", "RetainUntilDate": utc_in(3600)}),
                 lambda: s3.get_object_retention(Bucket=bucket, Key="k"),
                 lambda: s3.put_object_legal_hold(Bucket=bucket, Key="k", LegalHold={"Status": "ON"}),
                 lambda: s3.get_object_legal_hold(Bucket=bucket, Key="k")):
        e = client_error(call)
        assert code(e) == ("InvalidRequest", 400)
        assert e.response["Error"]["Message"] == "Bucket is missing Object Lock Configuration"
    e = client_error(s3.put_object, Bucket=bucket, Key="k2", Body=b"x", ContentMD5=md5_b64(b"x"),
                     ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=utc_in(3600))
    assert code(e) == ("InvalidRequest", 400)
    # Nothing is locked: the object deletes.
    s3.delete_object(Bucket=bucket, Key="k")
    assert code(client_error(s3.head_object, Bucket=bucket, Key="k")) == ("404", 404)


def test_enabling_on_a_versioned_bucket_then_suspending_is_refused(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})
    e = client_error(s3.put_bucket_versioning, Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert code(e) == ("InvalidBucketState", 409)


def test_configuration_documents_are_checked(silt, s3):
    b = lock_bucket(s3, "lock-doc")
    for bad in ("<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention>"
                "<Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years></DefaultRetention></Rule>"
                "</ObjectLockConfiguration>",
                "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention>"
                "<Mode>FOREVER</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>",
                "<ObjectLockConfiguration><ObjectLockEnabled>Disabled</ObjectLockEnabled></ObjectLockConfiguration>",
                "not xml"):
        body = bad.encode()
        r = silt.request("PUT", b, params=[("object-lock", None)], body=body,
                         headers={"Content-MD5": md5_b64(body)})
        assert (r.status, r.error_code()) == (400, "MalformedXML"), r
    body = (b"<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention>"
            b"<Mode>GOVERNANCE</Mode><Days>0</Days></DefaultRetention></Rule></ObjectLockConfiguration>")
    r = silt.request("PUT", b, params=[("object-lock", None)], body=body, headers={"Content-MD5": md5_b64(body)})
    assert (r.status, r.error_code()) == (400, "InvalidArgument"), r
    assert s3.get_object_lock_configuration(Bucket=b)["ObjectLockConfiguration"] == {"ObjectLockEnabled": "Enabled"}
    still_serving(s3, b)


# --- writes that get a lock ---------------------------------------------------------------------

def test_put_needs_content_md5_or_a_checksum(silt, s3):
    b = lock_bucket(s3, "lock-md5")
    # (boto3 adds Content-MD5 to every PutObject by itself: the hostile request is raw.)
    until = utc_in(3600).strftime("%Y-%m-%dT%H:%M:%SZ")
    r = silt.request("PUT", b, "k", body=b"x", headers={
        "x-amz-object-lock-mode": "GOVERNANCE", "x-amz-object-lock-retain-until-date": until})
    assert (r.status, r.error_code()) == (400, "InvalidRequest"), r
    assert "Content-MD5 OR x-amz-checksum- HTTP header is required" in r.text
    assert version_ids(s3, b, "k") == []
    # An x-amz-checksum-* header does as well as Content-MD5.
    r = silt.request("PUT", b, "k", body=b"x", headers={
        "x-amz-checksum-sha256": base64.b64encode(hashlib.sha256(b"x").digest()).decode(),
        "x-amz-object-lock-legal-hold": "ON"})
    assert r.status == 200, r
    assert s3.head_object(Bucket=b, Key="k")["ObjectLockLegalHoldStatus"] == "ON"
    # Without a lock asked for or defaulted, nothing is required.
    s3.put_object(Bucket=b, Key="plain", Body=b"p")


def test_lock_headers_are_validated(s3):
    b = lock_bucket(s3, "lock-hdr")
    past = utc_in(-3600)
    e = client_error(put, s3, b, "k", b"x", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=past)
    assert code(e) == ("InvalidArgument", 400)
    assert e.response["Error"]["Message"] == "The retain until date must be in the future!"
    e = client_error(put, s3, b, "k", b"x", ObjectLockMode="COMPLIANCE")
    assert code(e) == ("InvalidArgument", 400)
    e = client_error(put, s3, b, "k", b"x", ObjectLockRetainUntilDate=utc_in(60))
    assert code(e) == ("InvalidArgument", 400)
    assert version_ids(s3, b, "k") == []
    put(s3, b, "k", b"x")
    e = client_error(s3.put_object_retention, Bucket=b, Key="k",
                     Retention={"Mode": "GOVERNANCE", "RetainUntilDate": past})
    assert code(e) == ("InvalidArgument", 400)
    e = client_error(s3.get_object_retention, Bucket=b, Key="k")
    assert code(e) == ("NoSuchObjectLockConfiguration", 404)
    still_serving(s3, b)


def test_compliance_binds_everyone_the_admin_included(s3):
    b = lock_bucket(s3, "lock-comp")
    until = utc_in(3600).replace(microsecond=0)
    v = put(s3, b, "k", b"kept", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until)["VersionId"]
    head = s3.head_object(Bucket=b, Key="k")
    assert head["ObjectLockMode"] == "COMPLIANCE" and head["ObjectLockRetainUntilDate"] == until
    got = s3.get_object_retention(Bucket=b, Key="k", VersionId=v)["Retention"]
    assert got == {"Mode": "COMPLIANCE", "RetainUntilDate": until}
    # s3 here signs as the root user: refused like anyone, bypass header or not.
    denied(client_error(s3.delete_object, Bucket=b, Key="k", VersionId=v))
    denied(client_error(s3.delete_object, Bucket=b, Key="k", VersionId=v, BypassGovernanceRetention=True))
    res = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "k", "VersionId": v}]},
                            BypassGovernanceRetention=True)
    assert [(x["Code"], x["VersionId"]) for x in res["Errors"]] == [("AccessDenied", v)]
    # Shortened, weakened or removed: refused, with or without bypass.
    for retention in ({"Mode": "COMPLIANCE", "RetainUntilDate": until - datetime.timedelta(seconds=60)},
                      {"Mode": "GOVERNANCE", "RetainUntilDate": until + datetime.timedelta(days=1)}):
        for bypass in (False, True):
            denied(client_error(s3.put_object_retention, Bucket=b, Key="k", VersionId=v, Retention=retention,
                                BypassGovernanceRetention=bypass))
    # Extending is allowed.
    later = until + datetime.timedelta(days=1)
    s3.put_object_retention(Bucket=b, Key="k", VersionId=v, Retention={"Mode": "COMPLIANCE", "RetainUntilDate": later})
    assert s3.get_object_retention(Bucket=b, Key="k")["Retention"]["RetainUntilDate"] == later
    # A delete without a version id adds a delete marker: allowed, the version stays.
    d = s3.delete_object(Bucket=b, Key="k")
    assert d["DeleteMarker"] is True
    assert s3.get_object(Bucket=b, Key="k", VersionId=v)["Body"].read() == b"kept"
    still_serving(s3, b)


def test_compliance_cannot_be_removed(silt, s3):
    b = lock_bucket(s3, "lock-rm")
    v = put(s3, b, "k", b"x", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=utc_in(3600))["VersionId"]
    body = b"<Retention/>"
    for extra in ({}, {"x-amz-bypass-governance-retention": "true"}):
        r = silt.request("PUT", b, "k", params=[("retention", None), ("versionId", v)], body=body,
                         headers={"Content-MD5": md5_b64(body), **extra})
        assert (r.status, r.error_code()) == (403, "AccessDenied"), r
    assert s3.get_object_retention(Bucket=b, Key="k")["Retention"]["Mode"] == "COMPLIANCE"
    still_serving(s3, b)


@pytest.fixture(scope="module")
def users(silt):
    ok(silt.admin("user", "add", "alice", "--secret-stdin", input=ALICE_SECRET + "\n"))
    ok(silt.admin("user", "add", "bob", "--secret-stdin", input=BOB_SECRET + "\n"))
    return client(silt, "alice", ALICE_SECRET), client(silt, "bob", BOB_SECRET)


def bob_may(alice, b, *actions):
    alice.put_bucket_policy(Bucket=b, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": ["bob"]}, "Action": list(actions),
        "Resource": [f"arn:aws:s3:::{b}/*"]}]}))


def test_governance_needs_the_bypass_header_and_permission(users):
    alice, bob = users
    b = lock_bucket(alice, "lock-gov")
    until = utc_in(3600).replace(microsecond=0)
    v = put(alice, b, "k", b"g", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until)["VersionId"]
    bob_may(alice, b, "s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:GetObjectRetention")
    # Without the header: refused to the owner too.
    denied(client_error(alice.delete_object, Bucket=b, Key="k", VersionId=v))
    shorter = {"Mode": "GOVERNANCE", "RetainUntilDate": until - datetime.timedelta(seconds=60)}
    denied(client_error(alice.put_object_retention, Bucket=b, Key="k", VersionId=v, Retention=shorter))
    # With the header but without s3:BypassGovernanceRetention: refused.
    denied(client_error(bob.delete_object, Bucket=b, Key="k", VersionId=v, BypassGovernanceRetention=True))
    denied(client_error(bob.put_object_retention, Bucket=b, Key="k", VersionId=v, Retention=shorter,
                        BypassGovernanceRetention=True))
    # Extending needs no bypass.
    bob.put_object_retention(Bucket=b, Key="k", VersionId=v, Retention={
        "Mode": "GOVERNANCE", "RetainUntilDate": until + datetime.timedelta(seconds=60)})
    # With the permission, the bypass works.
    bob_may(alice, b, "s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:GetObjectRetention",
            "s3:BypassGovernanceRetention")
    bob.put_object_retention(Bucket=b, Key="k", VersionId=v, Retention=shorter, BypassGovernanceRetention=True)
    assert bob.get_object_retention(Bucket=b, Key="k", VersionId=v)["Retention"] == shorter
    bob.delete_object(Bucket=b, Key="k", VersionId=v, BypassGovernanceRetention=True)
    assert version_ids(alice, b, "k") == []
    # The bucket owner holds every permission on its bucket, as the root user does.
    v2 = put(alice, b, "k2", b"g", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until)["VersionId"]
    res = alice.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "k2", "VersionId": v2}]},
                               BypassGovernanceRetention=True)
    assert [d["VersionId"] for d in res["Deleted"]] == [v2] and "Errors" not in res
    still_serving(alice, b)


def test_lock_headers_are_shown_only_to_readers_of_the_lock(users):
    # AWS: GET/HEAD carry a version's retention only for a caller allowed
    # s3:GetObjectRetention, and its legal hold only for s3:GetObjectLegalHold.
    alice, bob = users
    b = lock_bucket(alice, "lock-hdrs")
    until = utc_in(3600).replace(microsecond=0)
    put(alice, b, "k", b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until,
        ObjectLockLegalHoldStatus="ON")
    lock_fields = ("ObjectLockMode", "ObjectLockRetainUntilDate", "ObjectLockLegalHoldStatus")
    h = alice.head_object(Bucket=b, Key="k")
    assert (h["ObjectLockMode"], h["ObjectLockRetainUntilDate"], h["ObjectLockLegalHoldStatus"]) == (
        "GOVERNANCE", until, "ON")
    bob_may(alice, b, "s3:GetObject")
    for call in (bob.head_object, bob.get_object):
        r = call(Bucket=b, Key="k")
        assert [f for f in lock_fields if f in r] == [], r
    bob_may(alice, b, "s3:GetObject", "s3:GetObjectRetention")
    r = bob.head_object(Bucket=b, Key="k")
    assert (r["ObjectLockMode"], r["ObjectLockRetainUntilDate"]) == ("GOVERNANCE", until)
    assert "ObjectLockLegalHoldStatus" not in r
    bob_may(alice, b, "s3:GetObject", "s3:GetObjectLegalHold")
    r = bob.get_object(Bucket=b, Key="k")
    assert r["ObjectLockLegalHoldStatus"] == "ON" and "ObjectLockMode" not in r
    assert r["Body"].read() == b"x"
    still_serving(alice, b)


def test_legal_hold_blocks_deletion_regardless_of_retention(s3):
    b = lock_bucket(s3, "lock-hold")
    # A version never held has no legal hold configuration at all (AWS: 404), and an
    # explicit OFF is reported as OFF.
    v0 = put(s3, b, "never", b"n")["VersionId"]
    assert code(client_error(s3.get_object_legal_hold, Bucket=b, Key="never", VersionId=v0)) == (
        "NoSuchObjectLockConfiguration", 404)
    v0 = put(s3, b, "off", b"o", ObjectLockLegalHoldStatus="OFF")["VersionId"]
    assert s3.get_object_legal_hold(Bucket=b, Key="off", VersionId=v0)["LegalHold"] == {"Status": "OFF"}
    v = put(s3, b, "k", b"h", ObjectLockLegalHoldStatus="ON")["VersionId"]
    assert s3.get_object_legal_hold(Bucket=b, Key="k")["LegalHold"] == {"Status": "ON"}
    assert s3.head_object(Bucket=b, Key="k")["ObjectLockLegalHoldStatus"] == "ON"
    denied(client_error(s3.delete_object, Bucket=b, Key="k", VersionId=v, BypassGovernanceRetention=True))
    s3.put_object_legal_hold(Bucket=b, Key="k", VersionId=v, LegalHold={"Status": "OFF"})
    assert s3.get_object_legal_hold(Bucket=b, Key="k", VersionId=v)["LegalHold"] == {"Status": "OFF"}
    s3.delete_object(Bucket=b, Key="k", VersionId=v)
    # A hold on a version whose GOVERNANCE retention would yield to a bypass still holds.
    v = put(s3, b, "g", b"g", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=utc_in(3600))["VersionId"]
    s3.put_object_legal_hold(Bucket=b, Key="g", VersionId=v, LegalHold={"Status": "ON"})
    denied(client_error(s3.delete_object, Bucket=b, Key="g", VersionId=v, BypassGovernanceRetention=True))
    # Tags still change on a held version (AWS protects the data, not its tags).
    s3.put_object_tagging(Bucket=b, Key="g", VersionId=v, Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
    assert s3.get_object_legal_hold(Bucket=b, Key="g", VersionId=v)["LegalHold"] == {"Status": "ON"}
    still_serving(s3, b)


def test_default_retention_applies_to_new_versions(silt, s3):
    b = lock_bucket(s3, "lock-default")
    s3.put_object_lock_configuration(Bucket=b, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 2}}})
    conf = s3.get_object_lock_configuration(Bucket=b)["ObjectLockConfiguration"]
    assert conf["Rule"]["DefaultRetention"] == {"Mode": "GOVERNANCE", "Days": 2}
    before = utc_in(2 * 86400)
    v = put(s3, b, "k", b"d")["VersionId"]
    head = s3.head_object(Bucket=b, Key="k")
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert abs((head["ObjectLockRetainUntilDate"] - before).total_seconds()) < 30
    denied(client_error(s3.delete_object, Bucket=b, Key="k", VersionId=v))
    # The default needs the integrity header too.
    r = silt.request("PUT", b, "nomd5", body=b"x")
    assert (r.status, r.error_code()) == (400, "InvalidRequest"), r
    assert version_ids(s3, b, "nomd5") == []
    # Explicit headers win over the default.
    until = utc_in(7 * 86400).replace(microsecond=0)
    put(s3, b, "c", b"c", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until)
    assert s3.head_object(Bucket=b, Key="c")["ObjectLockRetainUntilDate"] == until
    s3.put_object_lock_configuration(Bucket=b, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 1}}})
    put(s3, b, "y", b"y")
    head = s3.head_object(Bucket=b, Key="y")
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert 364 * 86400 < (head["ObjectLockRetainUntilDate"] - utc_in(0)).total_seconds() < 367 * 86400


def test_multipart_with_lock_headers(s3):
    b = lock_bucket(s3, "lock-mp")
    until = utc_in(3600).replace(microsecond=0)
    up = s3.create_multipart_upload(Bucket=b, Key="mp", ObjectLockMode="COMPLIANCE",
                                    ObjectLockRetainUntilDate=until, ObjectLockLegalHoldStatus="ON")
    p1, p2 = os.urandom(5 << 20), b"tail"
    e1 = s3.upload_part(Bucket=b, Key="mp", UploadId=up["UploadId"], PartNumber=1, Body=p1,
                        ContentMD5=md5_b64(p1))["ETag"]
    e2 = s3.upload_part(Bucket=b, Key="mp", UploadId=up["UploadId"], PartNumber=2, Body=p2,
                        ContentMD5=md5_b64(p2))["ETag"]
    v = s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=up["UploadId"], MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})["VersionId"]
    head = s3.head_object(Bucket=b, Key="mp")
    assert (head["ObjectLockMode"], head["ObjectLockRetainUntilDate"], head["ObjectLockLegalHoldStatus"]) == (
        "COMPLIANCE", until, "ON")
    denied(client_error(s3.delete_object, Bucket=b, Key="mp", VersionId=v))
    # On a bucket without Object Lock, the same upload is refused up front.
    plain = bucket_name("lock-mp-plain")
    s3.create_bucket(Bucket=plain)
    e = client_error(s3.create_multipart_upload, Bucket=plain, Key="mp", ObjectLockMode="COMPLIANCE",
                     ObjectLockRetainUntilDate=until)
    assert code(e) == ("InvalidRequest", 400)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=plain)


def test_copy_gets_the_requests_lock_never_the_sources(s3):
    b = lock_bucket(s3, "lock-copy")
    until = utc_in(3600).replace(microsecond=0)
    put(s3, b, "src", b"source", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until,
        ObjectLockLegalHoldStatus="ON")
    c = s3.copy_object(Bucket=b, Key="plain-copy", CopySource={"Bucket": b, "Key": "src"})
    head = s3.head_object(Bucket=b, Key="plain-copy")
    assert "ObjectLockMode" not in head and "ObjectLockLegalHoldStatus" not in head
    s3.delete_object(Bucket=b, Key="plain-copy", VersionId=c["VersionId"])
    later = until + datetime.timedelta(days=1)
    c = s3.copy_object(Bucket=b, Key="locked-copy", CopySource={"Bucket": b, "Key": "src"},
                       ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=later)
    head = s3.head_object(Bucket=b, Key="locked-copy")
    assert (head["ObjectLockMode"], head["ObjectLockRetainUntilDate"]) == ("GOVERNANCE", later)
    denied(client_error(s3.delete_object, Bucket=b, Key="locked-copy", VersionId=c["VersionId"]))
    # Into a bucket without Object Lock: refused.
    plain = bucket_name("lock-copy-plain")
    s3.create_bucket(Bucket=plain)
    e = client_error(s3.copy_object, Bucket=plain, Key="x", CopySource={"Bucket": b, "Key": "src"},
                     ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=later)
    assert code(e) == ("InvalidRequest", 400)


def test_a_lock_change_racing_a_delete_never_both_win(s3):
    """Legal hold ON racing a delete of the version: either the hold lands (and the delete is
    refused) or the delete lands (and the hold finds no version); never both."""
    b = lock_bucket(s3, "lock-race")
    both = 0
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for i in range(20):
            v = put(s3, b, f"k{i}", b"r")["VersionId"]

            def hold():
                try:
                    s3.put_object_legal_hold(Bucket=b, Key=f"k{i}", VersionId=v, LegalHold={"Status": "ON"})
                    return True
                except s3.exceptions.ClientError as e:
                    assert code(e)[0] == "NoSuchVersion", e.response
                    return False

            def delete():
                try:
                    s3.delete_object(Bucket=b, Key=f"k{i}", VersionId=v)
                    return True
                except s3.exceptions.ClientError as e:
                    denied(e)
                    return False

            fh, fd = pool.submit(hold), pool.submit(delete)
            held, deleted = fh.result(), fd.result()
            assert held != deleted, (i, held, deleted)
            both += held and deleted
            assert (v in version_ids(s3, b, f"k{i}")) == held
    assert both == 0


# --- lifecycle ----------------------------------------------------------------------------------

def run_pass(silt, bucket):
    ok(silt.admin("--json", "lifecycle", "run", "--bucket", bucket))
    r = ok(silt.admin("--json", "lifecycle", "status"))
    return json.loads(r.stdout)["last"]


def test_lifecycle_expiration_skips_locked_versions_and_transitions_them(silt, s3):
    b = lock_bucket(s3, "lock-lc")
    locked_until = utc_in(6)
    v_locked = put(s3, b, "k", b"locked", ObjectLockMode="COMPLIANCE",
                   ObjectLockRetainUntilDate=locked_until)["VersionId"]
    v_free = put(s3, b, "k", b"free")["VersionId"]
    v_cur = put(s3, b, "k", b"current", ObjectLockMode="GOVERNANCE",
                ObjectLockRetainUntilDate=utc_in(3600))["VersionId"]
    s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [
        {"ID": "noncurrent", "Status": "Enabled", "Filter": {"Prefix": ""},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 1}},
        {"ID": "cold", "Status": "Enabled", "Filter": {"Prefix": ""},
         "Transitions": [{"Days": 1, "StorageClass": "STANDARD_IA"}]}]})
    time.sleep(2.5)
    last = run_pass(silt, b)
    assert (last["errors"], last["expired"], last["transitioned"]) == (0, 1, 1), last
    # The unlocked noncurrent version expired; the locked one stayed, without an error.
    assert set(version_ids(s3, b, "k")) == {v_locked, v_cur}
    # The locked current version was transitioned: a transition keeps data and lock.
    head = s3.head_object(Bucket=b, Key="k", VersionId=v_cur)
    assert head["StorageClass"] == "STANDARD_IA" and head["ObjectLockMode"] == "GOVERNANCE"
    assert s3.get_object(Bucket=b, Key="k", VersionId=v_cur)["Body"].read() == b"current"
    assert v_free not in version_ids(s3, b, "k")
    # Once its date has passed, the next pass expires it.
    time.sleep(max(0.0, (locked_until - utc_in(0)).total_seconds()) + 0.5)
    last = run_pass(silt, b)
    assert (last["errors"], last["expired"]) == (0, 1), last
    assert version_ids(s3, b, "k") == [v_cur]


def test_lifecycle_expiration_of_a_locked_current_version_adds_a_delete_marker(silt, s3):
    b = lock_bucket(s3, "lock-lc-cur")
    v = put(s3, b, "k", b"x", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=utc_in(3600))["VersionId"]
    s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [
        {"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}}]})
    time.sleep(2.5)
    assert run_pass(silt, b)["errors"] == 0
    listed = s3.list_object_versions(Bucket=b)
    assert [m["IsLatest"] for m in listed.get("DeleteMarkers", [])] == [True]
    assert [x["VersionId"] for x in listed["Versions"]] == [v]


def rebuild_index(data_dir):
    """Throws the index of a stopped silt away and rebuilds it from the drives."""
    shutil.rmtree(data_dir / "index")
    r = subprocess.run([str(silt_binary()), "admin", "rebuild-index", "--data", str(data_dir)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


# --- persistence ---------------------------------------------------------------------------------

def test_locks_survive_restart_and_rebuild_index(tmp_path):
    server = SiltServer(tmp_path)
    server.start()
    try:
        s3 = server.boto3()
        b = lock_bucket(s3, "lock-persist")
        s3.put_object_lock_configuration(Bucket=b, ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
        until = utc_in(3600).replace(microsecond=0)
        v = put(s3, b, "k", b"persist", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until)["VersionId"]
        # Changed after the write: the drives' copies of the record must follow.
        later = until + datetime.timedelta(days=3)
        s3.put_object_retention(Bucket=b, Key="k", VersionId=v,
                                Retention={"Mode": "COMPLIANCE", "RetainUntilDate": later})
        s3.put_object_legal_hold(Bucket=b, Key="k", VersionId=v, LegalHold={"Status": "ON"})
        small = put(s3, b, "small", b"s", ObjectLockLegalHoldStatus="ON")["VersionId"]

        def check():
            head = s3.head_object(Bucket=b, Key="k", VersionId=v)
            assert (head["ObjectLockMode"], head["ObjectLockRetainUntilDate"], head["ObjectLockLegalHoldStatus"]) == (
                "COMPLIANCE", later, "ON")
            assert s3.get_object_legal_hold(Bucket=b, Key="small", VersionId=small)["LegalHold"]["Status"] == "ON"
            denied(client_error(s3.delete_object, Bucket=b, Key="k", VersionId=v, BypassGovernanceRetention=True))
            denied(client_error(s3.delete_object, Bucket=b, Key="small", VersionId=small))
            assert s3.get_object_lock_configuration(Bucket=b)["ObjectLockConfiguration"]["Rule"] == {
                "DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}
            e = client_error(s3.put_bucket_versioning, Bucket=b, VersioningConfiguration={"Status": "Suspended"})
            assert code(e) == ("InvalidBucketState", 409)

        check()
        assert server.stop() == 0
        server.start()
        check()
        assert server.stop() == 0
        rebuild_index(server.data_dir)
        server.start()
        check()
    finally:
        server.stop()


# --- kill -9 in the middle of a lock's commits -----------------------------------------------------

def test_kill_during_create_bucket_never_leaves_a_bucket_without_lock(tmp_path):
    """CreateBucket with Object Lock commits the bucket, its versioning and its lock
    configuration at once: silt killed when the create reaches a versioning change (a later,
    separate commit, as before this was one) leaves no bucket without lock."""
    server = SiltServer(tmp_path)
    server.start()
    try:
        s3 = server.boto3()
        name = bucket_name("lock-crash")
        kill_when_reached(server, "silt::Index::set_versioning",
                          lambda: s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True))
        server.start()
        s3 = server.boto3()
        if name in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
            assert s3.get_bucket_versioning(Bucket=name).get("Status") == "Enabled"
            assert s3.get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"]["ObjectLockEnabled"] == \
                "Enabled"
        # Either way the create can be finished, as a client retrying it would.
        s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
        assert s3.get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"]["ObjectLockEnabled"] == \
            "Enabled"
    finally:
        server.stop()


def test_kill_during_a_lock_change_never_lets_rebuild_index_weaken_it(tmp_path):
    """A legal hold is written to the drives' record copies before the index commits it:
    silt killed when the change reaches the drive copy, then the index rebuilt from the
    drives, never shows a weaker lock than the index did after the restart."""
    server = SiltServer(tmp_path)
    server.start()
    try:
        s3 = server.boto3()
        b = lock_bucket(s3, "hold-crash")
        v = put(s3, b, "k", b"held")["VersionId"]
        kill_when_reached(server, "silt::rewrite_drive_meta",
                          lambda: s3.put_object_legal_hold(Bucket=b, Key="k", VersionId=v,
                                                           LegalHold={"Status": "ON"}))
        # The drives as the kill left them, rebuilt into an index of their own (a restart
        # would first bring the drives in line with the index).
        rebuilt_server = SiltServer(tmp_path / "rebuilt")
        shutil.copytree(server.data_dir, rebuilt_server.data_dir)
        rebuild_index(rebuilt_server.data_dir)
        server.start()
        s3 = server.boto3()
        held = s3.head_object(Bucket=b, Key="k", VersionId=v).get("ObjectLockLegalHoldStatus") == "ON"
        rebuilt_server.start()
        try:
            head = rebuilt_server.boto3().head_object(Bucket=b, Key="k", VersionId=v)
            rebuilt = head.get("ObjectLockLegalHoldStatus") == "ON"
        finally:
            rebuilt_server.stop()
        assert rebuilt or not held, "rebuild-index restored the version without the hold the index had"
        # The hold can be set again, and then both agree.
        s3.put_object_legal_hold(Bucket=b, Key="k", VersionId=v, LegalHold={"Status": "ON"})
        denied(client_error(s3.delete_object, Bucket=b, Key="k", VersionId=v))
    finally:
        server.stop()


# --- real clients -------------------------------------------------------------------------------

@pytest.mark.parametrize("cli", [None, "/usr/bin/aws"], ids=["aws-v1", "aws-v2"])
def test_aws_cli_object_lock(silt, s3, tmp_path, cli):
    name = bucket_name("lock-cli")
    ok(silt.aws("s3api", "create-bucket", "--bucket", name, "--object-lock-enabled-for-bucket", cli=cli))
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    ok(silt.aws("s3api", "put-object-lock-configuration", "--bucket", name, "--object-lock-configuration",
                '{"ObjectLockEnabled":"Enabled","Rule":{"DefaultRetention":{"Mode":"GOVERNANCE","Days":1}}}',
                cli=cli))
    out = ok(silt.aws("s3api", "get-object-lock-configuration", "--bucket", name, cli=cli)).stdout
    assert json.loads(out)["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]["Days"] == 1
    f = tmp_path / "f.txt"
    f.write_bytes(b"cli data")
    until = utc_in(3600).strftime("%Y-%m-%dT%H:%M:%SZ")
    # v2 here (2.9) predates default checksums: it sends Content-MD5 when asked, as AWS requires.
    ok(silt.aws("s3api", "put-object", "--bucket", name, "--key", "k", "--body", str(f),
                "--content-md5", md5_b64(b"cli data"),
                "--object-lock-mode", "COMPLIANCE", "--object-lock-retain-until-date", until, cli=cli))
    out = json.loads(ok(silt.aws("s3api", "get-object-retention", "--bucket", name, "--key", "k", cli=cli)).stdout)
    assert out["Retention"]["Mode"] == "COMPLIANCE"
    ok(silt.aws("s3api", "put-object-legal-hold", "--bucket", name, "--key", "k",
                "--legal-hold", "Status=ON", cli=cli))
    out = json.loads(ok(silt.aws("s3api", "get-object-legal-hold", "--bucket", name, "--key", "k", cli=cli)).stdout)
    assert out["LegalHold"]["Status"] == "ON"
    p = silt.aws("s3api", "put-object-retention", "--bucket", name, "--key", "k", "--retention",
                 f'{{"Mode":"GOVERNANCE","RetainUntilDate":"{until}"}}', "--bypass-governance-retention",
                 check=False, cli=cli)
    assert p.returncode != 0 and "AccessDenied" in p.stderr, p.stderr
    [v] = version_ids(s3, name, "k")
    p = silt.aws("s3api", "delete-object", "--bucket", name, "--key", "k", "--version-id", v, check=False, cli=cli)
    assert p.returncode != 0 and "AccessDenied" in p.stderr, p.stderr
    # `s3 cp` takes the bucket's default retention (v1's botocore sends a CRC32 checksum).
    if cli is None:
        ok(silt.aws("s3", "cp", str(f), f"s3://{name}/cp.txt"))
        assert s3.head_object(Bucket=name, Key="cp.txt")["ObjectLockMode"] == "GOVERNANCE"
    p = silt.aws("s3api", "put-bucket-versioning", "--bucket", name, "--versioning-configuration",
                 "Status=Suspended", check=False, cli=cli)
    assert p.returncode != 0 and "InvalidBucketState" in p.stderr, p.stderr
    still_serving(s3, name)


def test_rclone_style_create_bucket_false_creates_a_plain_bucket(silt, s3):
    # rclone's CreateBucket says "false" every time: a plain, unversioned bucket.
    name = bucket_name("lock-false")
    r = silt.request("PUT", name, headers={"x-amz-bucket-object-lock-enabled": "false"})
    assert r.status == 200, r
    assert "Status" not in s3.get_bucket_versioning(Bucket=name)
    assert code(client_error(s3.get_object_lock_configuration, Bucket=name)) == (
        "ObjectLockConfigurationNotFoundError", 404)


# --- POST Object form fields and the permissions a lock on a new version needs ------------------

def post_form_upload(s3, bucket, key, fields, data, conditions=None):
    """A browser form upload as boto3 signs it; conditions default to every field."""
    post = s3.generate_presigned_post(bucket, key, Fields=fields, ExpiresIn=600,
                                      Conditions=[{k: v} for k, v in fields.items()] if conditions is None
                                      else conditions)
    return requests.post(post["url"], data=post["fields"], files={"file": ("f.bin", data)}, timeout=30)


def xml_code(r):
    return r.text.split("<Code>")[1].split("</Code>")[0] if "<Code>" in r.text else None


def test_post_object_lock_fields(silt, s3):
    b = lock_bucket(s3, "lock-post")
    until = utc_in(3600).replace(microsecond=0)
    fields = {"x-amz-object-lock-mode": "COMPLIANCE",
              "x-amz-object-lock-retain-until-date": until.strftime("%Y-%m-%dT%H:%M:%SZ"),
              "x-amz-object-lock-legal-hold": "ON"}
    r = post_form_upload(s3, b, "k", fields, b"form data")
    assert r.status_code == 204, r.text
    head = s3.head_object(Bucket=b, Key="k")
    assert (head["ObjectLockMode"], head["ObjectLockRetainUntilDate"], head["ObjectLockLegalHoldStatus"]) == (
        "COMPLIANCE", until, "ON")
    denied(client_error(s3.delete_object, Bucket=b, Key="k", VersionId=head["VersionId"]))
    # The same validation as PutObject's headers: a mode without a date, a bad hold value.
    r = post_form_upload(s3, b, "bad", {"x-amz-object-lock-mode": "GOVERNANCE"}, b"x")
    assert (r.status_code, xml_code(r)) == (400, "InvalidArgument"), r.text
    r = post_form_upload(s3, b, "bad", {"x-amz-object-lock-legal-hold": "MAYBE"}, b"x")
    assert (r.status_code, xml_code(r)) == (400, "InvalidArgument"), r.text
    # A lock field the signed policy does not cover: 403, nothing stored.
    r = post_form_upload(s3, b, "uncovered", {"x-amz-object-lock-legal-hold": "ON"}, b"x", conditions=[])
    assert (r.status_code, xml_code(r)) == (403, "AccessDenied"), r.text
    # On a bucket without Object Lock, as PutObject.
    plain = bucket_name("lock-post-plain")
    s3.create_bucket(Bucket=plain)
    r = post_form_upload(s3, plain, "k", {"x-amz-object-lock-legal-hold": "ON"}, b"x")
    assert (r.status_code, xml_code(r)) == (400, "InvalidRequest"), r.text
    assert "Bucket is missing Object Lock Configuration" in r.text
    # An unsigned HTTP header of the POST does not act: only the covered fields do.
    post = s3.generate_presigned_post(b, "hdr", ExpiresIn=600)
    r = requests.post(post["url"], data=post["fields"], files={"file": ("f.bin", b"h")},
                      headers={"x-amz-object-lock-legal-hold": "ON"}, timeout=30)
    assert r.status_code == 204, r.text
    assert "ObjectLockLegalHoldStatus" not in s3.head_object(Bucket=b, Key="hdr")
    assert version_ids(s3, b, "bad") == [] and version_ids(s3, b, "uncovered") == []
    assert version_ids(s3, plain, "k") == []
    still_serving(s3, b)


def test_lock_on_a_new_version_needs_the_lock_permissions(users):
    alice, bob = users
    b = lock_bucket(alice, "lock-perm")
    until = utc_in(3600).replace(microsecond=0)
    retention = dict(ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until)
    bob_may(alice, b, "s3:PutObject", "s3:GetObject")
    # s3:PutObject alone writes plain versions, not locked ones (AWS's rule).
    put(bob, b, "plain", b"p")
    assert code(client_error(put, bob, b, "r", b"r", **retention)) == ("AccessDenied", 403)
    assert code(client_error(put, bob, b, "h", b"h", ObjectLockLegalHoldStatus="ON")) == ("AccessDenied", 403)
    assert code(client_error(bob.create_multipart_upload, Bucket=b, Key="m", **retention)) == ("AccessDenied", 403)
    r = post_form_upload(bob, b, "f", {"x-amz-object-lock-legal-hold": "ON"}, b"f")
    assert (r.status_code, xml_code(r)) == (403, "AccessDenied"), r.text
    assert all(version_ids(alice, b, k) == [] for k in ("r", "h", "m", "f"))
    # Each permission admits what it sets.
    bob_may(alice, b, "s3:PutObject", "s3:GetObject", "s3:PutObjectRetention")
    put(bob, b, "r", b"r", **retention)
    assert code(client_error(put, bob, b, "h", b"h", ObjectLockLegalHoldStatus="ON")) == ("AccessDenied", 403)
    bob_may(alice, b, "s3:PutObject", "s3:GetObject", "s3:PutObjectLegalHold")
    put(bob, b, "h", b"h", ObjectLockLegalHoldStatus="ON")
    r = post_form_upload(bob, b, "f", {"x-amz-object-lock-legal-hold": "ON"}, b"f")
    assert r.status_code == 204, r.text
    assert alice.head_object(Bucket=b, Key="f")["ObjectLockLegalHoldStatus"] == "ON"
    still_serving(alice, b)


def test_upload_part_of_a_locked_upload_needs_content_md5_or_a_checksum(silt, s3, tmp_path):
    b = lock_bucket(s3, "lock-part-md5")
    until = utc_in(3600).replace(microsecond=0)
    up = s3.create_multipart_upload(Bucket=b, Key="mp", ObjectLockMode="GOVERNANCE",
                                    ObjectLockRetainUntilDate=until)["UploadId"]
    # (boto3 adds Content-MD5 to UploadPart by itself: the hostile request is raw.)
    params = [("partNumber", "1"), ("uploadId", up)]
    r = silt.request("PUT", b, "mp", params=params, body=b"part")
    assert (r.status, r.error_code()) == (400, "InvalidRequest"), r
    assert ("Content-MD5 OR x-amz-checksum- HTTP header is required for Put Part requests with Object Lock "
            "parameters") in r.text
    assert "Parts" not in s3.list_parts(Bucket=b, Key="mp", UploadId=up)
    # Content-MD5 or an x-amz-checksum-* header will do.
    r = silt.request("PUT", b, "mp", params=params, body=b"part", headers={"Content-MD5": md5_b64(b"part")})
    assert r.status == 200, r
    r = silt.request("PUT", b, "mp", params=[("partNumber", "2"), ("uploadId", up)], body=b"two", headers={
        "x-amz-checksum-sha256": base64.b64encode(hashlib.sha256(b"two").digest()).decode()})
    assert r.status == 200, r
    assert [p["PartNumber"] for p in s3.list_parts(Bucket=b, Key="mp", UploadId=up)["Parts"]] == [1, 2]
    s3.abort_multipart_upload(Bucket=b, Key="mp", UploadId=up)
    # An upload into a bucket with default retention (no lock headers) gets the lock too.
    s3.put_object_lock_configuration(Bucket=b, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
    up = s3.create_multipart_upload(Bucket=b, Key="dflt")["UploadId"]
    r = silt.request("PUT", b, "dflt", params=[("partNumber", "1"), ("uploadId", up)], body=b"x")
    assert (r.status, r.error_code()) == (400, "InvalidRequest"), r
    s3.abort_multipart_upload(Bucket=b, Key="dflt", UploadId=up)
    # Uploads without a lock need nothing.
    plain = bucket_name("lock-part-plain")
    s3.create_bucket(Bucket=plain)
    up = s3.create_multipart_upload(Bucket=plain, Key="mp")["UploadId"]
    r = silt.request("PUT", plain, "mp", params=[("partNumber", "1"), ("uploadId", up)], body=b"x")
    assert r.status == 200, r
    # Real clients send one by themselves: Debian's boto3 (Content-MD5), aws cli v1's newer
    # botocore (a CRC32) for a multipart `s3 cp` into the default-retention bucket.
    up = s3.create_multipart_upload(Bucket=b, Key="boto")["UploadId"]
    e = s3.upload_part(Bucket=b, Key="boto", UploadId=up, PartNumber=1, Body=b"boto3 part")["ETag"]
    s3.complete_multipart_upload(Bucket=b, Key="boto", UploadId=up,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e}]})
    assert s3.head_object(Bucket=b, Key="boto")["ObjectLockMode"] == "GOVERNANCE"
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(9 << 20))
    ok(silt.aws("s3", "cp", str(big), f"s3://{b}/cli-mp", "--only-show-errors"))
    head = s3.head_object(Bucket=b, Key="cli-mp")
    assert head["ObjectLockMode"] == "GOVERNANCE" and head["ContentLength"] == 9 << 20
    assert "-" in head["ETag"]  # it was a multipart upload
    still_serving(s3, b)
