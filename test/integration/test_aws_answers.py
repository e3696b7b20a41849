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
    assert acl_grants(s3, name) == {(silt.access_key, "FULL_CONTROL")}
    assert requests.get(f"{silt.endpoint}/{name}", timeout=10).status_code == 403
    # A canned ACL on the repeated request is applied; the objects are untouched.
    s3.create_bucket(Bucket=name, ACL="public-read")
    assert requests.get(f"{silt.endpoint}/{name}", timeout=10).status_code == 200
    assert s3.get_object(Bucket=name, Key="k")["Body"].read() == b"kept"
    # Naming us-east-1 explicitly is the same request.
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
    assert acl_grants(s3, name) == {(silt.access_key, "FULL_CONTROL")}


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
    before = silt.drive_usage()
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
    assert silt.drive_usage() == before
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
    before = silt.drive_usage()
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
