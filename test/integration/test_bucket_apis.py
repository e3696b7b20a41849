"""Bucket-level APIs (issue 19 item 5) against a real silt: Put/Get/DeletePublicAccessBlock
and what each of its four switches does to ACLs and policies, Put/Get/DeleteBucketOwnership-
Controls (BucketOwnerEnforced disables ACLs), Put/Get/DeleteBucketTagging with AWS's limits,
GetBucketPolicyStatus without a policy, ListBuckets paging (max-buckets, continuation-token,
prefix), the policy conditions Null / ArnLike and the keys s3:ExistingObjectTag/<k>,
s3:RequestObjectTag/<k>, s3:RequestObjectTagKeys, s3:x-amz-server-side-encryption,
aws:SourceArn; a Terraform-style set-up replayed with boto3; the aws cli; restarts and
rebuild-index keep every document."""
import json
import os
import subprocess
import xml.etree.ElementTree as ET

import pytest

from s3assert import client, client_error, code, ok
from silt_server import bucket_name, silt_binary

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
ALICE_SECRET = "alice-secret-0123"
BOB_SECRET = "bob-secret-456789"
DENIED = ("AccessDenied", 403)
ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
          "RestrictPublicBuckets": True}
ALL_OFF = dict.fromkeys(ALL_ON, False)


def arn(bucket, key=None):
    return f"arn:aws:s3:::{bucket}" + (f"/{key}" if key is not None else "")


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def public_read(b):
    return policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": arn(b, "*")})


@pytest.fixture(scope="module")
def world(silt):
    ok(silt.admin("user", "add", "alice", "--secret-stdin", input=ALICE_SECRET + "\n"))
    ok(silt.admin("user", "add", "bob", "--secret-stdin", input=BOB_SECRET + "\n"))
    return {"alice": client(silt, "alice", ALICE_SECRET), "bob": client(silt, "bob", BOB_SECRET),
            "anonymous": client(silt, unsigned=True)}


def alice_bucket(world, hint):
    b = bucket_name(hint)
    world["alice"].create_bucket(Bucket=b)
    world["alice"].put_object(Bucket=b, Key="obj", Body=b"alice's data")
    return b


def still_serving(s3, b):
    s3.put_object(Bucket=b, Key="after-refusal", Body=b"fine")
    assert s3.get_object(Bucket=b, Key="after-refusal")["Body"].read() == b"fine"


# --- PublicAccessBlock ---------------------------------------------------------------------------

def test_public_access_block_put_get_delete(s3, bucket):
    e = client_error(s3.get_public_access_block, Bucket=bucket)
    assert code(e) == ("NoSuchPublicAccessBlockConfiguration", 404)
    assert e.response["Error"]["BucketName"] == bucket
    conf = {"BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": False}
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=conf)
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == conf
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=ALL_ON)
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == ALL_ON
    s3.delete_public_access_block(Bucket=bucket)
    assert code(client_error(s3.get_public_access_block, Bucket=bucket)) == (
        "NoSuchPublicAccessBlockConfiguration", 404)
    s3.delete_public_access_block(Bucket=bucket)  # deleting none is fine


@pytest.mark.parametrize("doc", [
    b"<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls></PublicAccessBlockConfiguration>",
    b"<PublicAccessBlockConfiguration><BlockAll>true</BlockAll></PublicAccessBlockConfiguration>",
    b"<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>"
    b"<BlockPublicAcls>false</BlockPublicAcls></PublicAccessBlockConfiguration>",
    b"<PublicAccessBlock/>",
    b"<PublicAccessBlockConfiguration>",
])
def test_public_access_block_malformed(silt, s3, bucket, doc):
    r = silt.request("PUT", bucket, params=[("publicAccessBlock", None)], body=doc)
    assert (r.status, r.error_code()) == (400, "MalformedXML")
    assert code(client_error(s3.get_public_access_block, Bucket=bucket))[1] == 404
    still_serving(s3, bucket)


def test_block_public_acls_refuses_public_acls(world):
    alice = world["alice"]
    b = alice_bucket(world, "bpa-acls")
    alice.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={"BlockPublicAcls": True})
    for acl in ("public-read", "public-read-write", "authenticated-read"):
        assert code(client_error(alice.put_bucket_acl, Bucket=b, ACL=acl)) == DENIED, acl
        assert code(client_error(alice.put_object, Bucket=b, Key="pub", Body=b"x", ACL=acl)) == DENIED, acl
        assert code(client_error(alice.put_object_acl, Bucket=b, Key="obj", ACL=acl)) == DENIED, acl
        assert code(client_error(alice.copy_object, Bucket=b, Key="copy", CopySource={"Bucket": b, "Key": "obj"},
                                 ACL=acl)) == DENIED, acl
        assert code(client_error(alice.create_multipart_upload, Bucket=b, Key="mp", ACL=acl)) == DENIED, acl
    # The same grant as an XML document is refused too.
    owner = alice.get_bucket_acl(Bucket=b)["Owner"]
    grants = {"Owner": owner, "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"},
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
         "Permission": "READ"}]}
    assert code(client_error(alice.put_bucket_acl, Bucket=b, AccessControlPolicy=grants)) == DENIED
    # Nothing became public; private ACLs still work.
    assert code(client_error(world["anonymous"].get_object, Bucket=b, Key="obj")) == DENIED
    assert code(client_error(alice.head_object, Bucket=b, Key="pub"))[1] == 404
    alice.put_object(Bucket=b, Key="priv", Body=b"x", ACL="private")
    alice.put_bucket_acl(Bucket=b, ACL="private")
    still_serving(alice, b)


def test_block_public_acls_binds_the_admin(s3, bucket):
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"BlockPublicAcls": True})
    assert code(client_error(s3.put_bucket_acl, Bucket=bucket, ACL="public-read")) == DENIED
    assert code(client_error(s3.put_object, Bucket=bucket, Key="k", Body=b"x", ACL="public-read")) == DENIED
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="public-read")


def test_ignore_public_acls(world):
    alice, bob, anon = world["alice"], world["bob"], world["anonymous"]
    b = alice_bucket(world, "bpa-ignore")
    alice.put_bucket_acl(Bucket=b, ACL="public-read")
    alice.put_object(Bucket=b, Key="pub", Body=b"abcde", ACL="public-read")
    assert anon.get_object(Bucket=b, Key="pub")["Body"].read() == b"abcde"
    bob.list_objects_v2(Bucket=b)
    alice.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={"IgnorePublicAcls": True})
    # Setting a public ACL is still allowed (BlockPublicAcls is off), but it grants nothing.
    alice.put_bucket_acl(Bucket=b, ACL="public-read")
    for who in ("bob", "anonymous"):
        assert code(client_error(world[who].list_objects_v2, Bucket=b)) == DENIED, who
        assert code(client_error(world[who].get_object, Bucket=b, Key="pub")) == DENIED, who
    assert alice.get_object(Bucket=b, Key="pub")["Body"].read() == b"abcde"
    alice.delete_public_access_block(Bucket=b)
    assert anon.get_object(Bucket=b, Key="pub")["Body"].read() == b"abcde"


def test_block_public_policy(world, s3):
    alice = world["alice"]
    b = alice_bucket(world, "bpa-policy")
    alice.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={"BlockPublicPolicy": True})
    assert code(client_error(alice.put_bucket_policy, Bucket=b, Policy=public_read(b))) == DENIED
    assert code(client_error(s3.put_bucket_policy, Bucket=b, Policy=public_read(b))) == DENIED  # the admin too
    assert code(client_error(alice.get_bucket_policy, Bucket=b)) == ("NoSuchBucketPolicy", 404)
    assert code(client_error(world["anonymous"].get_object, Bucket=b, Key="obj")) == DENIED
    # A policy that is not public is fine: a named user, or "*" narrowed by a condition.
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "s3:GetObject", "Resource": arn(b, "*")}))
    assert world["bob"].get_object(Bucket=b, Key="obj")["Body"].read() == b"alice's data"
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": arn(b, "*"),
         "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}))
    still_serving(alice, b)


def test_restrict_public_buckets(world):
    alice, bob, anon = world["alice"], world["bob"], world["anonymous"]
    b = alice_bucket(world, "bpa-restrict")
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": arn(b, "*")},
        {"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "s3:ListBucket", "Resource": arn(b)}))
    assert anon.get_object(Bucket=b, Key="obj")["Body"].read() == b"alice's data"
    alice.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={"RestrictPublicBuckets": True})
    assert code(client_error(anon.get_object, Bucket=b, Key="obj")) == DENIED
    assert code(client_error(bob.get_object, Bucket=b, Key="obj")) == DENIED
    # A statement naming a user is not public: it still admits bob.
    assert [o["Key"] for o in bob.list_objects_v2(Bucket=b)["Contents"]] == ["obj"]
    assert alice.get_object(Bucket=b, Key="obj")["Body"].read() == b"alice's data"
    alice.delete_public_access_block(Bucket=b)
    assert anon.get_object(Bucket=b, Key="obj")["Body"].read() == b"alice's data"


def test_public_access_block_is_the_owners_alone(world):
    alice, bob = world["alice"], world["bob"]
    b = alice_bucket(world, "bpa-owner")
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "s3:*", "Resource": [arn(b), arn(b, "*")]}))
    alice.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration=ALL_ON)
    # Granted s3:* by the policy, bob may read the settings but not lift them.
    assert bob.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"] == ALL_ON
    assert code(client_error(bob.delete_public_access_block, Bucket=b)) == DENIED
    assert code(client_error(bob.put_public_access_block, Bucket=b,
                             PublicAccessBlockConfiguration=ALL_OFF)) == DENIED
    assert code(client_error(bob.put_bucket_ownership_controls, Bucket=b, OwnershipControls={
        "Rules": [{"ObjectOwnership": "ObjectWriter"}]})) == DENIED
    # Anonymous callers get nothing at all.
    for call in (lambda c: c.get_public_access_block(Bucket=b), lambda c: c.delete_public_access_block(Bucket=b),
                 lambda c: c.get_bucket_tagging(Bucket=b), lambda c: c.get_bucket_ownership_controls(Bucket=b)):
        assert code(client_error(call, world["anonymous"])) == DENIED
    assert alice.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"] == ALL_ON


# --- OwnershipControls ---------------------------------------------------------------------------

def test_ownership_controls_put_get_delete(s3, bucket):
    e = client_error(s3.get_bucket_ownership_controls, Bucket=bucket)
    assert code(e) == ("OwnershipControlsNotFoundError", 404)
    for setting in ("ObjectWriter", "BucketOwnerPreferred", "BucketOwnerEnforced"):
        s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": setting}]})
        got = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]
        assert got == {"Rules": [{"ObjectOwnership": setting}]}
    s3.delete_bucket_ownership_controls(Bucket=bucket)
    assert code(client_error(s3.get_bucket_ownership_controls, Bucket=bucket)) == (
        "OwnershipControlsNotFoundError", 404)


@pytest.mark.parametrize("doc", [
    b"<OwnershipControls><Rule><ObjectOwnership>Everyone</ObjectOwnership></Rule></OwnershipControls>",
    b"<OwnershipControls></OwnershipControls>",
    b"<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule>"
    b"<Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>",
    b"not xml",
])
def test_ownership_controls_malformed(silt, s3, bucket, doc):
    r = silt.request("PUT", bucket, params=[("ownershipControls", None)], body=doc)
    assert (r.status, r.error_code()) == (400, "MalformedXML")
    still_serving(s3, bucket)


def test_bucket_owner_enforced_disables_acls(world):
    alice, anon = world["alice"], world["anonymous"]
    b = alice_bucket(world, "own-enforced")
    alice.put_object(Bucket=b, Key="was-public", Body=b"p", ACL="public-read")
    assert anon.get_object(Bucket=b, Key="was-public")["Body"].read() == b"p"
    alice.put_bucket_ownership_controls(Bucket=b, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    not_supported = ("AccessControlListNotSupported", 400)
    for acl in ("public-read", "private", "authenticated-read", "bucket-owner-read"):
        assert code(client_error(alice.put_object, Bucket=b, Key="k", Body=b"x", ACL=acl)) == not_supported, acl
        assert code(client_error(alice.put_bucket_acl, Bucket=b, ACL=acl)) == not_supported, acl
        assert code(client_error(alice.put_object_acl, Bucket=b, Key="obj", ACL=acl)) == not_supported, acl
        assert code(client_error(alice.create_multipart_upload, Bucket=b, Key="k", ACL=acl)) == not_supported, acl
    e = client_error(alice.put_object, Bucket=b, Key="k", Body=b"x", ACL="public-read")
    assert e.response["Error"]["Message"] == "The bucket does not allow ACLs"
    # No ACL, or bucket-owner-full-control, is what such a bucket takes.
    alice.put_object(Bucket=b, Key="k", Body=b"x")
    alice.put_object(Bucket=b, Key="k2", Body=b"x", ACL="bucket-owner-full-control")
    alice.get_bucket_acl(Bucket=b)  # reading ACLs still works
    # The ACL set before no longer grants anything.
    assert code(client_error(anon.get_object, Bucket=b, Key="was-public")) == DENIED
    alice.delete_bucket_ownership_controls(Bucket=b)
    assert anon.get_object(Bucket=b, Key="was-public")["Body"].read() == b"p"
    still_serving(alice, b)


def test_object_ownership_on_create_bucket(silt, s3):
    """x-amz-object-ownership on CreateBucket (boto3's ObjectOwnership=, aws s3api
    create-bucket --object-ownership) is set with the bucket, as PutBucketOwnershipControls."""
    for setting in ("BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"):
        b = bucket_name("own-create")
        s3.create_bucket(Bucket=b, ObjectOwnership=setting)
        got = s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"]
        assert got == {"Rules": [{"ObjectOwnership": setting}]}
        if setting == "BucketOwnerEnforced":
            e = client_error(s3.put_object, Bucket=b, Key="k", Body=b"x", ACL="public-read")
            assert code(e) == ("AccessControlListNotSupported", 400)
        s3.put_object(Bucket=b, Key="k", Body=b"x")
    b = bucket_name("own-cli")
    silt.aws("s3api", "create-bucket", "--bucket", b, "--object-ownership", "BucketOwnerEnforced",
             cli="/usr/bin/aws")
    assert s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}]
    # ACLs off and a granting ACL in one request: refused, and no bucket.
    b = bucket_name("own-acl")
    e = client_error(s3.create_bucket, Bucket=b, ObjectOwnership="BucketOwnerEnforced", ACL="public-read")
    assert code(e) == ("InvalidBucketAclWithObjectOwnership", 400)
    assert code(client_error(s3.head_bucket, Bucket=b)) == ("404", 404)
    # A setting that does not exist (raw: a client may send any string).
    b = bucket_name("own-bad")
    r = silt.request("PUT", b, headers={"x-amz-object-ownership": "Everyone"})
    assert (r.status, r.error_code()) == (400, "InvalidArgument")
    assert code(client_error(s3.head_bucket, Bucket=b)) == ("404", 404)
    s3.list_buckets()  # still serving


def test_bucket_owner_enforced_refused_while_the_bucket_acl_is_public(s3, bucket):
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    e = client_error(s3.put_bucket_ownership_controls, Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    assert code(e) == ("InvalidBucketAclWithObjectOwnership", 400)
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})


# --- Bucket tagging ------------------------------------------------------------------------------

def test_bucket_tagging_put_get_delete(s3, bucket):
    assert code(client_error(s3.get_bucket_tagging, Bucket=bucket)) == ("NoSuchTagSet", 404)
    tags = [{"Key": "team", "Value": "lake"}, {"Key": "Env", "Value": "prod"}, {"Key": "empty", "Value": ""}]
    r = s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == sorted(tags, key=lambda t: t["Key"])
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "only", "Value": "one"}]})  # replaces
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "only", "Value": "one"}]
    # Bucket tags are the bucket's: objects keep their own.
    s3.put_object(Bucket=bucket, Key="o", Body=b"x", Tagging="a=1")
    assert s3.get_object_tagging(Bucket=bucket, Key="o")["TagSet"] == [{"Key": "a", "Value": "1"}]
    s3.delete_bucket_tagging(Bucket=bucket)
    assert code(client_error(s3.get_bucket_tagging, Bucket=bucket)) == ("NoSuchTagSet", 404)
    assert s3.get_object_tagging(Bucket=bucket, Key="o")["TagSet"] == [{"Key": "a", "Value": "1"}]


def test_bucket_tagging_limits(silt, s3, bucket):
    fifty = [{"Key": f"k{i:02}", "Value": "v" * 256} for i in range(50)]
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": fifty})
    assert len(s3.get_bucket_tagging(Bucket=bucket)["TagSet"]) == 50
    bad = [
        fifty + [{"Key": "k50", "Value": "v"}],          # 51 tags
        [{"Key": "k" * 129, "Value": "v"}],              # key over 128 characters
        [{"Key": "k", "Value": "v" * 257}],              # value over 256 characters
        [{"Key": "aws:createdBy", "Value": "me"}],       # AWS's own prefix
        [{"Key": "dup", "Value": "1"}, {"Key": "dup", "Value": "2"}],
    ]
    for tag_set in bad:
        e = client_error(s3.put_bucket_tagging, Bucket=bucket, Tagging={"TagSet": tag_set})
        assert code(e) == ("InvalidTag", 400), tag_set[:2]
    # An empty key (botocore refuses to send one itself).
    r = silt.request("PUT", bucket, params=[("tagging", None)],
                     body=b"<Tagging><TagSet><Tag><Key></Key><Value>v</Value></Tag></TagSet></Tagging>")
    assert (r.status, r.error_code()) == (400, "InvalidTag")
    # The refused sets changed nothing.
    assert len(s3.get_bucket_tagging(Bucket=bucket)["TagSet"]) == 50
    # 128-character keys in any script count characters, not bytes.
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "é" * 128, "Value": "ü" * 256}]})
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "é" * 128, "Value": "ü" * 256}]


def test_bucket_tagging_malformed_and_oversized(silt, s3, bucket):
    r = silt.request("PUT", bucket, params=[("tagging", None)], body=b"<Tagging><TagSet><Tag><Value>x</Value>"
                                                                    b"</Tag></TagSet></Tagging>")
    assert (r.status, r.error_code()) == (400, "MalformedXML")
    r = silt.request("PUT", bucket, params=[("tagging", None)], body=b"<Tagging>" + b" " * (70 * 1024) + b"</Tagging>")
    assert (r.status, r.error_code()) == (400, "EntityTooLarge")
    still_serving(s3, bucket)


# --- GetBucketPolicyStatus -----------------------------------------------------------------------

def test_policy_status_without_policy(world):
    alice = world["alice"]
    b = alice_bucket(world, "status")
    assert alice.get_bucket_policy_status(Bucket=b)["PolicyStatus"]["IsPublic"] is False
    alice.put_bucket_acl(Bucket=b, ACL="public-read")
    assert alice.get_bucket_policy_status(Bucket=b)["PolicyStatus"]["IsPublic"] is True
    alice.put_bucket_acl(Bucket=b, ACL="authenticated-read")
    assert alice.get_bucket_policy_status(Bucket=b)["PolicyStatus"]["IsPublic"] is True
    alice.put_bucket_acl(Bucket=b, ACL="private")
    assert alice.get_bucket_policy_status(Bucket=b)["PolicyStatus"]["IsPublic"] is False
    alice.put_bucket_policy(Bucket=b, Policy=public_read(b))
    assert alice.get_bucket_policy_status(Bucket=b)["PolicyStatus"]["IsPublic"] is True
    assert code(client_error(world["anonymous"].get_bucket_policy_status, Bucket=b)) == DENIED


# --- ListBuckets paging --------------------------------------------------------------------------

def list_page(silt, **params):
    r = silt.request("GET", params=[(k.replace("_", "-"), v) for k, v in params.items()])
    assert r.status == 200, r
    root = ET.fromstring(r.body)
    names = [b.findtext(f"{NS}Name") for b in root.iter(f"{NS}Bucket")]
    return names, root.findtext(f"{NS}ContinuationToken"), root.findtext(f"{NS}Prefix")


def test_list_buckets_paging(silt, s3):
    prefix = f"page-{os.urandom(2).hex()}-"
    names = sorted(f"{prefix}{i:02}" for i in range(7))
    for n in names:
        s3.create_bucket(Bucket=n)
    got, token, pre = list_page(silt, prefix=prefix)
    assert (got, token, pre) == (names, None, prefix)
    seen, token, pages = [], "", 0
    while True:
        params = {"max_buckets": "3", "prefix": prefix}
        if token:
            params["continuation_token"] = token
        page, token, _ = list_page(silt, **params)
        pages += 1
        assert len(page) <= 3
        seen += page
        if not token:
            break
        assert prefix not in token  # opaque
    assert (seen, pages) == (names, 3)
    # An empty token is no token (paginators send one on page one).
    assert list_page(silt, max_buckets="2", prefix=prefix, continuation_token="")[0] == names[:2]
    # Without a prefix every bucket is listed, and ours among them in order.
    everything = list_page(silt)[0]
    assert everything == sorted(everything) and set(names) <= set(everything)
    assert list_page(silt, prefix="no-such-prefix-")[0] == []


@pytest.mark.parametrize("params", [
    [("max-buckets", "0")], [("max-buckets", "10001")], [("max-buckets", "-1")], [("max-buckets", "ten")],
    [("max-buckets", "")], [("continuation-token", "!!not base64!!")],
])
def test_list_buckets_bad_arguments(silt, s3, params):
    r = silt.request("GET", params=params)
    assert (r.status, r.error_code()) == (400, "InvalidArgument")
    assert s3.list_buckets()["Buckets"] is not None


def test_list_buckets_paging_shows_only_own_buckets(world):
    alice, bob = world["alice"], world["bob"]
    prefix = f"own-{os.urandom(2).hex()}-"
    for i in range(3):
        alice.create_bucket(Bucket=f"{prefix}a{i}")
        bob.create_bucket(Bucket=f"{prefix}b{i}")
    # A user's listing, filtered by prefix, holds its own buckets only (Debian's boto3 has
    # no MaxBuckets; the raw and aws cli tests page).
    got = alice.list_buckets()
    assert [b["Name"] for b in got["Buckets"] if b["Name"].startswith(prefix)] == [f"{prefix}a{i}" for i in range(3)]
    assert not [b for b in bob.list_buckets()["Buckets"] if b["Name"].startswith(f"{prefix}a")]


def test_list_buckets_aws_cli_pages(silt, s3):
    prefix = f"cli-{os.urandom(2).hex()}-"
    names = sorted(f"{prefix}{i}" for i in range(5))
    for n in names:
        s3.create_bucket(Bucket=n)
    # --page-size is max-buckets; the cli follows ContinuationToken to the end.
    p = silt.aws("s3api", "list-buckets", "--prefix", prefix, "--page-size", "2", "--output", "json")
    assert [b["Name"] for b in json.loads(p.stdout)["Buckets"]] == names
    p = silt.aws("s3api", "list-buckets", "--prefix", prefix, "--max-items", "3", "--page-size", "2",
                 "--output", "json")
    out = json.loads(p.stdout)
    assert [b["Name"] for b in out["Buckets"]] == names[:3] and out.get("NextToken")


# --- policy conditions and keys -------------------------------------------------------------------

def test_existing_object_tag_condition(world):
    alice, bob = world["alice"], world["bob"]
    b = alice_bucket(world, "cond-existing")
    alice.put_object(Bucket=b, Key="shared", Body=b"s", Tagging="Visibility=shared")
    alice.put_object(Bucket=b, Key="lower", Body=b"l", Tagging="visibility=shared")
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "s3:GetObject", "Resource": arn(b, "*"),
         "Condition": {"StringEquals": {"s3:ExistingObjectTag/Visibility": "shared"}}}))
    assert bob.get_object(Bucket=b, Key="shared")["Body"].read() == b"s"
    assert code(client_error(bob.get_object, Bucket=b, Key="obj")) == DENIED  # untagged
    assert code(client_error(bob.get_object, Bucket=b, Key="lower")) == DENIED  # tag keys are case-sensitive
    # Retagging the object changes the answer at once.
    alice.put_object_tagging(Bucket=b, Key="shared", Tagging={"TagSet": [{"Key": "Visibility", "Value": "private"}]})
    assert code(client_error(bob.get_object, Bucket=b, Key="shared")) == DENIED
    # A missing key stays AccessDenied (no existence leak).
    assert code(client_error(bob.get_object, Bucket=b, Key="nope")) == DENIED


def test_request_object_tag_conditions(world):
    alice, bob = world["alice"], world["bob"]
    b = alice_bucket(world, "cond-request")
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": ["s3:PutObject", "s3:PutObjectTagging"],
         "Resource": arn(b, "*"),
         "Condition": {"StringEquals": {"s3:RequestObjectTag/env": ["dev", "test"]},
                       "ForAllValues:StringEquals": {"s3:RequestObjectTagKeys": ["env", "owner"]}}}))
    bob.put_object(Bucket=b, Key="ok", Body=b"x", Tagging="env=dev&owner=bob")
    assert code(client_error(bob.put_object, Bucket=b, Key="prod", Body=b"x", Tagging="env=prod")) == DENIED
    assert code(client_error(bob.put_object, Bucket=b, Key="untagged", Body=b"x")) == DENIED
    assert code(client_error(bob.put_object, Bucket=b, Key="extra", Body=b"x",
                             Tagging="env=dev&secret=1")) == DENIED
    mp = bob.create_multipart_upload(Bucket=b, Key="mp", Tagging="env=test")
    alice.abort_multipart_upload(Bucket=b, Key="mp", UploadId=mp["UploadId"])
    assert code(client_error(bob.create_multipart_upload, Bucket=b, Key="mp", Tagging="env=prod")) == DENIED
    # PutObjectTagging: the tags are in the body.
    bob.put_object_tagging(Bucket=b, Key="ok", Tagging={"TagSet": [{"Key": "env", "Value": "test"}]})
    assert code(client_error(bob.put_object_tagging, Bucket=b, Key="ok", Tagging={
        "TagSet": [{"Key": "env", "Value": "prod"}]})) == DENIED
    assert code(client_error(bob.put_object_tagging, Bucket=b, Key="ok", Tagging={
        "TagSet": [{"Key": "env", "Value": "dev"}, {"Key": "x", "Value": "1"}]})) == DENIED
    assert alice.get_object_tagging(Bucket=b, Key="ok")["TagSet"] == [{"Key": "env", "Value": "test"}]
    # A caller the policy does not name learns nothing from a malformed body.
    e = client_error(world["anonymous"].put_object_tagging, Bucket=b, Key="ok", Tagging={
        "TagSet": [{"Key": "k" * 129, "Value": "x"}]})
    assert code(e) == DENIED
    e = client_error(bob.put_object_tagging, Bucket=b, Key="ok", Tagging={"TagSet": [{"Key": "k" * 129, "Value": "x"}]})
    assert code(e) == DENIED  # no tags the policy admits: refused before the body's own error
    # The owner is not bound by the condition.
    alice.put_object(Bucket=b, Key="owner", Body=b"x", Tagging="env=prod")


def test_deny_unencrypted_uploads_with_null(world):
    alice, bob = world["alice"], world["bob"]
    b = alice_bucket(world, "cond-null")
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "s3:PutObject", "Resource": arn(b, "*")},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": arn(b, "*"),
         "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}}}))
    # This module's silt has no master key, so no upload can carry the header (SSE-S3 is 501
    # here): every upload lacks it and is denied, the owner's too. test_sse.py's
    # test_policy_condition_on_the_encryption_header_value matches present values.
    assert code(client_error(bob.put_object, Bucket=b, Key="k", Body=b"x")) == DENIED
    assert code(client_error(alice.put_object, Bucket=b, Key="k", Body=b"x")) == DENIED
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "s3:PutObject", "Resource": arn(b, "*"),
         "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true",
                                "s3:x-amz-grant-full-control": "true"}}}))
    bob.put_object(Bucket=b, Key="k", Body=b"x")


def test_source_arn_is_absent_on_direct_requests(world):
    alice, bob = world["alice"], world["bob"]
    b = alice_bucket(world, "cond-arn")
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "s3:GetObject", "Resource": arn(b, "*"),
         "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:*:trail/*"}}}))
    assert code(client_error(bob.get_object, Bucket=b, Key="obj")) == DENIED
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "s3:GetObject", "Resource": arn(b, "*"),
         "Condition": {"Null": {"aws:SourceArn": "true"}}}))
    assert bob.get_object(Bucket=b, Key="obj")["Body"].read() == b"alice's data"
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "s3:GetObject", "Resource": arn(b, "*"),
         "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:1:topic"}}}))
    assert code(client_error(bob.get_object, Bucket=b, Key="obj")) == DENIED


@pytest.mark.parametrize("condition", [
    {"NullIfExists": {"aws:SourceArn": "true"}},
    {"Null": {"aws:SourceArn": "sometimes"}},
    {"ForEveryValue:StringEquals": {"s3:RequestObjectTagKeys": "x"}},
    {"StringEquals": {"s3:RequestObjectTag/": "x"}},
    {"StringEquals": {"s3:x-amz-grant-everything": "x"}},
])
def test_bad_conditions_are_malformed_policies(world, condition):
    alice = world["alice"]
    b = alice_bucket(world, "cond-bad")
    e = client_error(alice.put_bucket_policy, Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": arn(b, "*"),
         "Condition": condition}))
    assert code(e) == ("MalformedPolicy", 400)
    still_serving(alice, b)


# --- a Terraform-style set-up, read back, and kept across restarts and rebuild-index ------------

def terraform_setup(s3, b, encryption=None):
    """What an aws_s3_bucket module with the usual companions sends, in its order.
    encryption: a ServerSideEncryptionConfiguration (aws_s3_bucket_server_side_encryption_
    configuration), for a silt with a master key and keyring (test_sse.py)."""
    s3.create_bucket(Bucket=b)
    s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "Name", "Value": b},
                                                       {"Key": "Environment", "Value": "prod"}]})
    if encryption is not None:
        s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration=encryption)
    s3.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration=ALL_ON)
    s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [
        {"ID": "expire-raw", "Status": "Enabled", "Filter": {"Prefix": "raw/"},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}]})
    s3.put_bucket_policy(Bucket=b, Policy=policy(
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [arn(b), arn(b, "*")], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}))


def read_back(s3, b, encryption=False):
    """Everything the set-up wrote, as Terraform reads it on its next plan."""
    drop = lambda d: {k: v for k, v in d.items() if k != "ResponseMetadata"}  # noqa: E731
    return {
        **({"encryption": drop(s3.get_bucket_encryption(Bucket=b))} if encryption else {}),
        "tagging": drop(s3.get_bucket_tagging(Bucket=b)),
        "block": drop(s3.get_public_access_block(Bucket=b)),
        "ownership": drop(s3.get_bucket_ownership_controls(Bucket=b)),
        "versioning": drop(s3.get_bucket_versioning(Bucket=b)),
        "lifecycle": drop(s3.get_bucket_lifecycle_configuration(Bucket=b)),
        "policy": json.loads(s3.get_bucket_policy(Bucket=b)["Policy"]),
        "status": drop(s3.get_bucket_policy_status(Bucket=b)),
        "acl": drop(s3.get_bucket_acl(Bucket=b)),
    }


def test_terraform_style_setup_reads_back(silt, s3):
    b = bucket_name("tf-lake")
    terraform_setup(s3, b)
    got = read_back(s3, b)
    assert got["tagging"]["TagSet"] == [{"Key": "Environment", "Value": "prod"}, {"Key": "Name", "Value": b}]
    assert got["block"]["PublicAccessBlockConfiguration"] == ALL_ON
    assert got["ownership"]["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert got["versioning"]["Status"] == "Enabled"
    assert got["lifecycle"]["Rules"][0]["ID"] == "expire-raw"
    assert got["policy"]["Statement"][0]["Sid"] == "DenyInsecureTransport"
    assert got["status"]["PolicyStatus"]["IsPublic"] is False
    # A second apply of the same set-up changes nothing (CreateBucket of an owned bucket is 200 in us-east-1).
    terraform_setup(s3, b)
    assert read_back(s3, b) == got


def test_documents_survive_restart_and_rebuild_index(silt, s3, world):
    b = bucket_name("tf-persist")
    terraform_setup(s3, b)
    # A public ACL on another bucket under IgnorePublicAcls: the decision must survive too.
    alice = world["alice"]
    ign = alice_bucket(world, "persist-ignore")
    alice.put_object(Bucket=ign, Key="pub", Body=b"p", ACL="public-read")
    alice.put_public_access_block(Bucket=ign, PublicAccessBlockConfiguration={"IgnorePublicAcls": True})
    before = read_back(s3, b)
    silt.stop()
    p = subprocess.run([str(silt_binary()), "admin", "rebuild-index", "--data", str(silt.data_dir)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    silt.start()
    s3 = silt.boto3()
    assert read_back(s3, b) == before
    anon = client(silt, unsigned=True)
    assert code(client_error(anon.get_object, Bucket=ign, Key="pub")) == DENIED
    assert code(client_error(s3.put_bucket_acl, Bucket=b, ACL="public-read")) == (
        "AccessControlListNotSupported", 400)


# --- aws cli --------------------------------------------------------------------------------------

AWS_V2 = "/usr/bin/aws"


@pytest.mark.parametrize("cli", ["v1", "v2"])
def test_aws_cli_bucket_documents(silt, s3, bucket, cli):
    """aws cli v1 (PATH, botocore 1.43) and v2 (/usr/bin/aws), credentials from the environment."""
    if cli == "v2" and not os.access(AWS_V2, os.X_OK):
        pytest.skip("aws cli v2 not installed at /usr/bin/aws")

    def aws(*args, check=True):
        return silt.aws(*args, check=check, cli=AWS_V2 if cli == "v2" else None)

    aws("s3api", "put-public-access-block", "--bucket", bucket, "--public-access-block-configuration",
        "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=false")
    out = json.loads(aws("s3api", "get-public-access-block", "--bucket", bucket, "--output", "json").stdout)
    assert out["PublicAccessBlockConfiguration"] == {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                                                     "BlockPublicPolicy": True, "RestrictPublicBuckets": False}
    # What the cli set is what silt enforces: a public ACL is refused, the admin's too.
    p = aws("s3api", "put-bucket-acl", "--bucket", bucket, "--acl", "public-read", check=False)
    assert p.returncode != 0 and "AccessDenied" in p.stderr, p.stderr
    aws("s3api", "put-bucket-tagging", "--bucket", bucket, "--tagging",
        "TagSet=[{Key=owner,Value=data-team},{Key=cost,Value=42}]")
    out = json.loads(aws("s3api", "get-bucket-tagging", "--bucket", bucket, "--output", "json").stdout)
    assert out["TagSet"] == [{"Key": "cost", "Value": "42"}, {"Key": "owner", "Value": "data-team"}]
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == out["TagSet"]
    # A tag set AWS refuses is refused through the cli too, and the stored one stays.
    p = aws("s3api", "put-bucket-tagging", "--bucket", bucket, "--tagging", "TagSet=[{Key=aws:x,Value=1}]",
            check=False)
    assert p.returncode != 0 and "InvalidTag" in p.stderr, p.stderr
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == out["TagSet"]
    aws("s3api", "put-bucket-ownership-controls", "--bucket", bucket, "--ownership-controls",
        "Rules=[{ObjectOwnership=BucketOwnerEnforced}]")
    out = json.loads(aws("s3api", "get-bucket-ownership-controls", "--bucket", bucket, "--output", "json").stdout)
    assert out["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    p = aws("s3api", "put-object", "--bucket", bucket, "--key", "k", "--acl", "public-read", check=False)
    assert p.returncode != 0 and "AccessControlListNotSupported" in p.stderr, p.stderr
    out = json.loads(aws("s3api", "get-bucket-policy-status", "--bucket", bucket, "--output", "json").stdout)
    assert out["PolicyStatus"]["IsPublic"] is False
    aws("s3api", "delete-bucket-tagging", "--bucket", bucket)
    aws("s3api", "delete-public-access-block", "--bucket", bucket)
    aws("s3api", "delete-bucket-ownership-controls", "--bucket", bucket)
    p = aws("s3api", "get-bucket-tagging", "--bucket", bucket, check=False)
    assert p.returncode != 0 and "NoSuchTagSet" in p.stderr, p.stderr
