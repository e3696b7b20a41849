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
