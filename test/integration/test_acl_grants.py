"""ACL grants as AWS has them (issue 19 item 4) against a real silt: canonical ids and display
names as Owner (never the access key), AccessControlPolicy bodies and x-amz-grant-* headers
(boto3, aws cli v1 and v2, s3cmd), what each grant admits and nothing more, groups (AllUsers,
AuthenticatedUsers) under Block Public Access, bucket-owner-full-control from a non-owner
writer, and the hostile forms (101 grants, unknown ids, email grantees, malformed XML, an
Owner that is not the owner, an unsigned grant header), each refused with AWS's error while
silt keeps serving."""
import hashlib
import json
import re
import shutil
import xml.etree.ElementTree as ET

import pytest
import requests

from s3assert import client, client_error, code, ok
from silt_server import bucket_name
import s3raw

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
DENIED = ("AccessDenied", 403)
SECRETS = {"alice": "alice-secret-0123", "bob": "bob-secret-456789", "carol": "carol-secret-9876"}
CAROL_ID = "c0ffee" + "0" * 57 + "1"  # carried over from another store with --canonical-id


def user_ids(silt):
    listed = json.loads(ok(silt.admin("--json", "user", "list")).stdout)["users"]
    return {u["accessKey"]: u for u in listed}


@pytest.fixture(scope="module")
def world(silt):
    ok(silt.admin("user", "add", "alice", "--secret-stdin", "--display-name", "Alice Example",
                  input=SECRETS["alice"] + "\n"))
    ok(silt.admin("user", "add", "bob", "--secret-stdin", input=SECRETS["bob"] + "\n"))
    ok(silt.admin("user", "add", "carol", "--secret-stdin", "--canonical-id", CAROL_ID.upper(),
                  input=SECRETS["carol"] + "\n"))
    ids = {name: u["canonicalId"] for name, u in user_ids(silt).items()}
    w = {name: client(silt, name, secret) for name, secret in SECRETS.items()}
    w["anonymous"] = client(silt, unsigned=True)
    w["ids"] = ids
    return w


def alice_bucket(world, hint):
    b = bucket_name(hint)
    world["alice"].create_bucket(Bucket=b)
    world["alice"].put_object(Bucket=b, Key="obj", Body=b"alice's data")
    return b


def policy_doc(owner_id, *grants):
    """An AccessControlPolicy for boto3: grants are (id-or-uri, permission)."""
    out = []
    for who, perm in grants:
        grantee = {"Type": "Group", "URI": who} if who.startswith("http") else {"Type": "CanonicalUser", "ID": who}
        out.append({"Grantee": grantee, "Permission": perm})
    return {"Owner": {"ID": owner_id}, "Grants": out}


def grant_set(acl):
    return {(g["Grantee"].get("ID") or g["Grantee"].get("URI"), g["Permission"]) for g in acl["Grants"]}


def still_serving(s3, b):
    s3.put_object(Bucket=b, Key="after-refusal", Body=b"fine")
    assert s3.get_object(Bucket=b, Key="after-refusal")["Body"].read() == b"fine"


def can(fn, **kw):
    try:
        fn(**kw)
        return True
    except Exception as e:  # noqa: BLE001 - ClientError, with its code checked below
        assert code(e) == DENIED, e
        return False


# --- canonical ids and display names ------------------------------------------------------------

def test_users_have_canonical_ids_and_display_names(silt, world):
    users = user_ids(silt)
    for name, u in users.items():
        assert re.fullmatch(r"[0-9a-f]{64}", u["canonicalId"]), (name, u)
    assert users["alice"]["displayName"] == "Alice Example"
    assert users["bob"]["displayName"] == "bob"
    assert users["carol"]["canonicalId"] == CAROL_ID  # upper case given, lower case kept
    assert len({u["canonicalId"] for u in users.values()}) == len(users)


def test_owner_in_listings_and_acls_is_the_canonical_id(silt, world):
    alice, alice_id = world["alice"], world["ids"]["alice"]
    b = alice_bucket(world, "owner-ids")
    owner = {"ID": alice_id, "DisplayName": "Alice Example"}
    assert alice.list_buckets()["Owner"] == owner
    assert alice.list_objects_v2(Bucket=b, FetchOwner=True)["Contents"][0]["Owner"] == owner
    assert alice.list_objects(Bucket=b)["Contents"][0]["Owner"] == owner
    assert alice.list_object_versions(Bucket=b)["Versions"][0]["Owner"] == owner
    assert alice.get_bucket_acl(Bucket=b)["Owner"] == owner
    assert alice.get_object_acl(Bucket=b, Key="obj")["Owner"] == owner
    up = alice.create_multipart_upload(Bucket=b, Key="mp")["UploadId"]
    listed = alice.list_multipart_uploads(Bucket=b)["Uploads"][0]
    assert listed["Initiator"] == owner and listed["Owner"] == owner
    parts = alice.list_parts(Bucket=b, Key="mp", UploadId=up)
    assert parts["Initiator"] == owner and parts["Owner"] == owner
    assert "alice" not in json.dumps(alice.list_buckets()["Owner"])
    # The root user's id is derived from its key: the same after a restart, as are the others'.
    root_id = silt.boto3().list_buckets()["Owner"]["ID"]
    assert re.fullmatch(r"[0-9a-f]{64}", root_id) and root_id != silt.access_key
    silt.restart()
    assert silt.boto3().list_buckets()["Owner"]["ID"] == root_id
    assert {n: u["canonicalId"] for n, u in user_ids(silt).items()} == {**world["ids"], silt.access_key: root_id}


def test_bad_canonical_id_or_display_name_refused_at_user_add(silt, world):
    for args in (["--canonical-id", "abc"], ["--canonical-id", "g" * 64], ["--canonical-id", CAROL_ID],
                 ["--display-name", "two\nlines"]):
        r = silt.admin("user", "add", "dave", *args)
        assert r.returncode != 0, args
    assert "dave" not in user_ids(silt)


# --- grants by AccessControlPolicy body ---------------------------------------------------------

def test_body_grants_admit_exactly_what_they_grant(world):
    alice, bob, carol, ids = world["alice"], world["bob"], world["carol"], world["ids"]
    b = alice_bucket(world, "body-grants")
    assert not can(bob.list_objects_v2, Bucket=b)
    alice.put_bucket_acl(Bucket=b, AccessControlPolicy=policy_doc(
        ids["alice"], (ids["alice"], "FULL_CONTROL"), (ids["bob"], "READ")))
    acl = alice.get_bucket_acl(Bucket=b)
    assert grant_set(acl) == {(ids["alice"], "FULL_CONTROL"), (ids["bob"], "READ")}
    bob_grant = [g for g in acl["Grants"] if g["Grantee"].get("ID") == ids["bob"]][0]
    assert bob_grant["Grantee"] == {"ID": ids["bob"], "DisplayName": "bob", "Type": "CanonicalUser"}
    # Bucket READ lists; it neither reads objects, nor writes, nor reads the ACL.
    assert [o["Key"] for o in bob.list_objects_v2(Bucket=b)["Contents"]] == ["obj"]
    assert can(bob.list_object_versions, Bucket=b)
    assert not can(bob.get_object, Bucket=b, Key="obj")
    assert not can(bob.put_object, Bucket=b, Key="bob", Body=b"x")
    assert not can(bob.get_bucket_acl, Bucket=b)
    assert not can(carol.list_objects_v2, Bucket=b)
    # Object READ reads that object only; READ_ACP reads its ACL.
    alice.put_object_acl(Bucket=b, Key="obj", AccessControlPolicy=policy_doc(
        ids["alice"], (ids["bob"], "READ"), (ids["carol"], "READ_ACP")))
    assert bob.get_object(Bucket=b, Key="obj")["Body"].read() == b"alice's data"
    assert bob.head_object(Bucket=b, Key="obj")["ContentLength"] == 12
    assert not can(bob.get_object_acl, Bucket=b, Key="obj")
    assert not can(bob.put_object_acl, Bucket=b, Key="obj", ACL="public-read")
    assert not can(carol.get_object, Bucket=b, Key="obj")
    assert grant_set(carol.get_object_acl(Bucket=b, Key="obj")) == {(ids["bob"], "READ"), (ids["carol"], "READ_ACP")}
    # Bucket WRITE writes and deletes objects.
    alice.put_bucket_acl(Bucket=b, AccessControlPolicy=policy_doc(ids["alice"], (ids["bob"], "WRITE")))
    bob.put_object(Bucket=b, Key="bob", Body=b"bob's")
    bob.delete_object(Bucket=b, Key="bob")
    bob.put_object(Bucket=b, Key="bob2", Body=b"bob's")
    assert [d["Key"] for d in bob.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "bob2"}]})["Deleted"]] == ["bob2"]
    assert not can(bob.list_objects_v2, Bucket=b)
    # WRITE_ACP on the bucket: bob may rewrite the bucket's ACL (AWS's rule), not its policy.
    alice.put_bucket_acl(Bucket=b, AccessControlPolicy=policy_doc(ids["alice"], (ids["bob"], "WRITE_ACP")))
    bob.put_bucket_acl(Bucket=b, AccessControlPolicy=policy_doc(ids["alice"], (ids["bob"], "FULL_CONTROL")))
    assert can(bob.list_objects_v2, Bucket=b)
    assert not can(bob.put_bucket_policy, Bucket=b, Policy="{}")
    # Removing the grants takes it all back.
    alice.put_bucket_acl(Bucket=b, ACL="private")
    alice.put_object_acl(Bucket=b, Key="obj", ACL="private")
    assert alice.get_bucket_acl(Bucket=b)["Grants"] == [
        {"Grantee": {"ID": ids["alice"], "DisplayName": "Alice Example", "Type": "CanonicalUser"},
         "Permission": "FULL_CONTROL"}]
    for fn, kw in ((bob.list_objects_v2, {}), (bob.get_object, {"Key": "obj"}),
                   (bob.put_object, {"Key": "x", "Body": b"x"}), (bob.put_bucket_acl, {"ACL": "public-read"})):
        assert not can(fn, Bucket=b, **kw), fn


def test_get_acl_xml_carries_xsi_type(silt, world):
    b = bucket_name("xsi")
    s3 = silt.boto3()
    s3.create_bucket(Bucket=b)
    s3.put_bucket_acl(Bucket=b, GrantRead=f'id="{world["ids"]["bob"]}"', GrantWrite=f'uri="{AUTH_USERS}"')
    r = silt.request("GET", b, params=[("acl", None)])
    assert r.status == 200
    xsi = "{http://www.w3.org/2001/XMLSchema-instance}type"
    types = {g.get(xsi) for g in ET.fromstring(r.body).iter("{http://s3.amazonaws.com/doc/2006-03-01/}Grantee")}
    assert types == {"CanonicalUser", "Group"}


# --- grants by x-amz-grant-* headers ------------------------------------------------------------

def test_grant_headers_on_put_copy_multipart_and_create_bucket(world):
    alice, bob, ids = world["alice"], world["bob"], world["ids"]
    b = bucket_name("hdr-grants")
    alice.create_bucket(Bucket=b, GrantRead=f'id="{ids["bob"]}"')
    assert can(bob.list_objects_v2, Bucket=b)
    alice.put_object(Bucket=b, Key="put", Body=b"p", GrantRead=f'id="{ids["bob"]}"')
    alice.put_object(Bucket=b, Key="private", Body=b"s")
    alice.copy_object(Bucket=b, Key="copy", CopySource={"Bucket": b, "Key": "private"},
                      GrantFullControl=f'id={ids["bob"]}')
    up = alice.create_multipart_upload(Bucket=b, Key="mp", GrantRead=f'id="{ids["bob"]}"')["UploadId"]
    etag = alice.upload_part(Bucket=b, Key="mp", UploadId=up, PartNumber=1, Body=b"m")["ETag"]
    alice.complete_multipart_upload(Bucket=b, Key="mp", UploadId=up,
                                    MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    for key in ("put", "copy", "mp"):
        assert can(bob.get_object, Bucket=b, Key=key), key
    assert not can(bob.get_object, Bucket=b, Key="private")
    assert grant_set(alice.get_object_acl(Bucket=b, Key="put")) == {(ids["bob"], "READ")}
    # FULL_CONTROL includes the ACL.
    assert can(bob.get_object_acl, Bucket=b, Key="copy")
    assert not can(bob.get_object_acl, Bucket=b, Key="put")


def test_aws_cli_v1_and_v2_grant_read(silt, world):
    ids = world["ids"]
    b = bucket_name("cli-grants")
    silt.boto3().create_bucket(Bucket=b)
    clis = [None] + (["/usr/bin/aws"] if shutil.which("/usr/bin/aws") else [])
    for n, cli in enumerate(clis):
        key = f"cli-{n}"
        silt.aws("s3api", "put-object", "--bucket", b, "--key", key, "--body", "/etc/hostname",
                 "--grant-read", f"id={ids['bob']}", cli=cli)
        assert can(world["bob"].get_object, Bucket=b, Key=key), cli
        assert not can(world["carol"].get_object, Bucket=b, Key=key)
    assert len(clis) == 2, "aws cli v2 (/usr/bin/aws) missing"


def test_aws_s3_cp_acl_and_grants(silt, world, tmp_path):
    ids, anon = world["ids"], world["anonymous"]
    b = bucket_name("cli-cp")
    silt.boto3().create_bucket(Bucket=b)
    f = tmp_path / "f"
    f.write_bytes(b"cp data")
    silt.aws("s3", "cp", str(f), f"s3://{b}/prw", "--acl", "public-read-write")
    assert anon.get_object(Bucket=b, Key="prw")["Body"].read() == b"cp data"
    assert grant_set(silt.boto3().get_object_acl(Bucket=b, Key="prw")) >= {(ALL_USERS, "READ"), (ALL_USERS, "WRITE")}
    silt.aws("s3", "cp", str(f), f"s3://{b}/granted", "--grants", f"read=id={ids['bob']}",
             f"full=uri={AUTH_USERS}")
    assert world["bob"].get_object(Bucket=b, Key="granted")["Body"].read() == b"cp data"
    assert can(world["carol"].get_object_acl, Bucket=b, Key="granted")  # AuthenticatedUsers FULL_CONTROL
    assert not can(anon.get_object, Bucket=b, Key="granted")


def test_s3cmd_setacl_acl_grant(silt, world):
    if not shutil.which("s3cmd"):
        pytest.skip("s3cmd missing")
    b = bucket_name("s3cmd-acl")
    s3 = silt.boto3()
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="k", Body=b"v")
    silt.s3cmd("setacl", f"s3://{b}/k", f"--acl-grant=read:{world['ids']['bob']}")
    assert world["bob"].get_object(Bucket=b, Key="k")["Body"].read() == b"v"
    assert (world["ids"]["bob"], "READ") in grant_set(s3.get_object_acl(Bucket=b, Key="k"))
    silt.s3cmd("setacl", f"s3://{b}/k", f"--acl-revoke=read:{world['ids']['bob']}")
    assert not can(world["bob"].get_object, Bucket=b, Key="k")


# --- groups and Block Public Access -------------------------------------------------------------

def test_all_users_grant_under_block_and_ignore_public_acls(world):
    alice, bob, anon, ids = world["alice"], world["bob"], world["anonymous"], world["ids"]
    b = alice_bucket(world, "all-users")
    alice.put_object_acl(Bucket=b, Key="obj", GrantRead=f'uri="{ALL_USERS}", id="{ids["bob"]}"')
    assert anon.get_object(Bucket=b, Key="obj")["Body"].read() == b"alice's data"
    # IgnorePublicAcls: the group grant counts for nothing; bob's own grant still does.
    alice.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False})
    assert not can(anon.get_object, Bucket=b, Key="obj")
    assert can(bob.get_object, Bucket=b, Key="obj")
    # BlockPublicAcls: setting a public grant in any form is refused, the owner's too.
    alice.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False})
    assert code(client_error(alice.put_object, Bucket=b, Key="pub", Body=b"x",
                             GrantRead=f'uri="{AUTH_USERS}"')) == DENIED
    assert code(client_error(alice.put_object_acl, Bucket=b, Key="obj", AccessControlPolicy=policy_doc(
        ids["alice"], (ALL_USERS, "READ")))) == DENIED
    assert code(client_error(alice.put_bucket_acl, Bucket=b, GrantWrite=f'uri="{ALL_USERS}"')) == DENIED
    # A grant to a user is not public.
    alice.put_object(Bucket=b, Key="bob-only", Body=b"x", GrantRead=f'id="{ids["bob"]}"')
    still_serving(alice, b)


def test_public_read_write_bucket_acl_admits_anonymous_writes_until_ignored(world):
    """AllUsers WRITE on a bucket (canned public-read-write) lets an unsigned PUT in; the
    object is the bucket owner's and private. BlockPublicAcls set afterwards refuses new
    public ACLs only, so the stored grant still admits; IgnorePublicAcls makes it admit
    nobody (docs/acl.md, "Block Public Access") until lifted."""
    alice, anon, ids = world["alice"], world["anonymous"], world["ids"]
    b = alice_bucket(world, "public-rw")
    alice.put_bucket_acl(Bucket=b, ACL="public-read-write")
    assert code(client_error(anon.put_object, Bucket=b, Key="anon", Body=b"x", ACL="public-read")) == DENIED
    r = anon.put_object(Bucket=b, Key="anon", Body=b"from nobody")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert alice.get_object(Bucket=b, Key="anon")["Body"].read() == b"from nobody"
    acl = alice.get_object_acl(Bucket=b, Key="anon")
    assert acl["Owner"]["ID"] == ids["alice"]
    assert [(g["Grantee"].get("ID"), g["Permission"]) for g in acl["Grants"]] == [(ids["alice"], "FULL_CONTROL")]
    # The bucket's READ lists it; the object grants no one READ.
    assert {o["Key"] for o in anon.list_objects_v2(Bucket=b)["Contents"]} == {"anon", "obj"}
    assert code(client_error(anon.get_object, Bucket=b, Key="anon")) == DENIED
    # BlockPublicAcls alone: setting a public ACL is refused, the stored grant still admits.
    alice.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False})
    assert code(client_error(alice.put_bucket_acl, Bucket=b, ACL="public-read-write")) == DENIED
    anon.put_object(Bucket=b, Key="anon", Body=b"second write")
    assert alice.get_object(Bucket=b, Key="anon")["Body"].read() == b"second write"
    # IgnorePublicAcls: the grant is kept but admits nobody, to write or to list.
    alice.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False})
    assert code(client_error(anon.put_object, Bucket=b, Key="anon", Body=b"third write")) == DENIED
    assert code(client_error(anon.put_object, Bucket=b, Key="new", Body=b"x")) == DENIED
    assert code(client_error(anon.list_objects_v2, Bucket=b)) == DENIED
    assert alice.get_object(Bucket=b, Key="anon")["Body"].read() == b"second write"
    assert code(client_error(alice.head_object, Bucket=b, Key="new")) == ("404", 404)
    assert (ALL_USERS, "WRITE") in {(g["Grantee"].get("URI"), g["Permission"])
                                    for g in alice.get_bucket_acl(Bucket=b)["Grants"]}
    # Lifted: the grant admits again.
    alice.delete_public_access_block(Bucket=b)
    anon.put_object(Bucket=b, Key="new", Body=b"after lifting")
    assert alice.get_object(Bucket=b, Key="new")["Body"].read() == b"after lifting"
    # WRITE on the bucket deletes too.
    assert anon.delete_object(Bucket=b, Key="new")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert code(client_error(alice.head_object, Bucket=b, Key="new")) == ("404", 404)
    still_serving(alice, b)


def test_authenticated_users_grant(world):
    alice, carol, anon = world["alice"], world["carol"], world["anonymous"]
    b = alice_bucket(world, "auth-users")
    alice.put_bucket_acl(Bucket=b, GrantRead=f'uri="{AUTH_USERS}"')
    assert can(carol.list_objects_v2, Bucket=b)
    assert not can(anon.list_objects_v2, Bucket=b)
    assert not can(carol.get_object, Bucket=b, Key="obj")


def test_bucket_owner_enforced_refuses_grants(world):
    alice, ids = world["alice"], world["ids"]
    b = alice_bucket(world, "enforced")
    alice.put_bucket_ownership_controls(Bucket=b, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    e = client_error(alice.put_object, Bucket=b, Key="g", Body=b"x", GrantRead=f'id="{ids["bob"]}"')
    assert code(e) == ("AccessControlListNotSupported", 400)
    e = client_error(alice.put_object_acl, Bucket=b, Key="obj",
                     AccessControlPolicy=policy_doc(ids["alice"], (ids["bob"], "READ")))
    assert code(e) == ("AccessControlListNotSupported", 400)
    # The owner's full control alone is bucket-owner-full-control's equivalent: accepted.
    alice.put_object_acl(Bucket=b, Key="obj", AccessControlPolicy=policy_doc(ids["alice"], (ids["alice"], "FULL_CONTROL")))
    still_serving(alice, b)


def test_bucket_owner_full_control_from_a_non_owner_writer(world):
    alice, bob, ids = world["alice"], world["bob"], world["ids"]
    b = alice_bucket(world, "bofc")
    alice.put_bucket_acl(Bucket=b, AccessControlPolicy=policy_doc(ids["alice"], (ids["bob"], "WRITE")))
    bob.put_object(Bucket=b, Key="from-bob", Body=b"bob wrote", ACL="bucket-owner-full-control")
    assert alice.get_object(Bucket=b, Key="from-bob")["Body"].read() == b"bob wrote"
    acl = alice.get_object_acl(Bucket=b, Key="from-bob")
    assert acl["Owner"]["ID"] == ids["alice"]
    assert grant_set(acl) == {(ids["alice"], "FULL_CONTROL")}
    # Granting others more than private on a write takes s3:PutObjectAcl, which WRITE is not.
    assert code(client_error(bob.put_object, Bucket=b, Key="pub", Body=b"x", ACL="public-read")) == DENIED


def test_policy_condition_sees_grant_headers(world):
    alice, bob, ids = world["alice"], world["bob"], world["ids"]
    b = alice_bucket(world, "cond-grant")
    alice.put_bucket_policy(Bucket=b, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": ["s3:PutObject", "s3:PutObjectAcl"],
         "Resource": f"arn:aws:s3:::{b}/*",
         "Condition": {"StringEquals": {"s3:x-amz-grant-full-control": f'id="{ids["alice"]}"'}}}]}))
    bob.put_object(Bucket=b, Key="ok", Body=b"x", GrantFullControl=f'id="{ids["alice"]}"')
    assert code(client_error(bob.put_object, Bucket=b, Key="no", Body=b"x")) == DENIED
    # An explicit Deny beats a grant.
    alice.put_bucket_acl(Bucket=b, AccessControlPolicy=policy_doc(ids["alice"], (ids["bob"], "READ")))
    assert can(bob.list_objects_v2, Bucket=b)
    alice.put_bucket_policy(Bucket=b, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": {"AWS": "bob"}, "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{b}"}]}))
    assert not can(bob.list_objects_v2, Bucket=b)


# --- hostile requests ---------------------------------------------------------------------------

def test_hostile_grant_bodies(silt, world):
    alice, ids = world["alice"], world["ids"]
    b = alice_bucket(world, "hostile-body")
    cases = [
        (policy_doc(ids["alice"], *[(ids["bob"], "READ")] * 101), ("MalformedACLError", 400)),
        (policy_doc(ids["alice"], ("f" * 64, "READ")), ("InvalidArgument", 400)),
        (policy_doc(ids["bob"], (ids["bob"], "FULL_CONTROL")), DENIED),  # Owner is not the owner
        (policy_doc(ids["alice"], ("http://acs.amazonaws.com/groups/global/Everyone", "READ")),
         ("InvalidArgument", 400)),
        ({"Owner": {"ID": ids["alice"]}, "Grants": [
            {"Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": "bob@example.com"}, "Permission": "READ"}]},
         ("UnresolvableGrantByEmailAddress", 400)),
    ]
    for doc, want in cases:
        assert code(client_error(alice.put_bucket_acl, Bucket=b, AccessControlPolicy=doc)) == want, doc
        assert code(client_error(alice.put_object_acl, Bucket=b, Key="obj", AccessControlPolicy=doc)) == want, doc
    # 100 grants are fine.
    alice.put_object_acl(Bucket=b, Key="obj", AccessControlPolicy=policy_doc(ids["alice"], *[(ids["bob"], "READ")] * 100))
    for body in (b"<AccessControlPolicy><Owner>", b"not xml",
                 b"<AccessControlPolicy><Owner><ID>" + ids["alice"].encode() + b"</ID></Owner>"
                 b"<AccessControlList><Grant><Grantee><ID>x</ID></Grantee><Permission>ALL</Permission></Grant>"
                 b"</AccessControlList></AccessControlPolicy>"):
        r = silt.request("PUT", b, params=[("acl", None)], body=body)
        assert (r.status, r.error_code()) == (400, "MalformedACLError"), body
    # A body with an ACL header too.
    r = silt.request("PUT", b, params=[("acl", None)], headers={"x-amz-acl": "private"},
                     body=b"<AccessControlPolicy/>")
    assert (r.status, r.error_code()) == (400, "UnexpectedContent")
    assert grant_set(alice.get_bucket_acl(Bucket=b)) == {(ids["alice"], "FULL_CONTROL")}
    still_serving(alice, b)


def test_hostile_grant_headers(silt, world):
    alice, ids = world["alice"], world["ids"]
    b = alice_bucket(world, "hostile-hdr")
    many = ",".join([f'id="{ids["bob"]}"'] * 101)
    cases = [
        ({"GrantRead": many}, ("MalformedACLError", 400)),
        ({"GrantRead": f'id="{"f" * 64}"'}, ("InvalidArgument", 400)),
        ({"GrantRead": 'emailAddress="bob@example.com"'}, ("UnresolvableGrantByEmailAddress", 400)),
        ({"GrantRead": "bob"}, ("InvalidArgument", 400)),
        ({"GrantRead": f'id="{ids["bob"]}"', "ACL": "private"}, ("InvalidRequest", 400)),
    ]
    for kw, want in cases:
        assert code(client_error(alice.put_object, Bucket=b, Key="h", Body=b"x", **kw)) == want, kw
        assert code(client_error(alice.put_object_acl, Bucket=b, Key="obj", **kw)) == want, kw
    assert code(client_error(alice.create_bucket, Bucket=bucket_name("hostile-new"),
                             GrantRead=f'id="{"f" * 64}"')) == ("InvalidArgument", 400)
    # A grant header the signature does not cover is refused as unsigned, never applied.
    signer = s3raw.Signer("alice", SECRETS["alice"], silt.region, silt.host)
    path = s3raw.key_path(b, "unsigned")
    h = signer.sign("PUT", path, [], {}, hashlib.sha256(b"x").hexdigest())
    h["x-amz-grant-read"] = f'uri="{ALL_USERS}"'
    h["Content-Length"] = "1"
    conn = silt.raw()
    try:
        r = conn.request("PUT", path, h, b"x")
    finally:
        conn.close()
    assert (r.status, r.error_code()) == (403, "AccessDenied")
    assert not can(world["anonymous"].get_object, Bucket=b, Key="unsigned")
    assert code(client_error(alice.head_object, Bucket=b, Key="unsigned")) == ("404", 404)
    still_serving(alice, b)


# --- grants in POST Object forms ----------------------------------------------------------------

def post_form_upload(s3, bucket, key, fields, data=b"form", conditions=None):
    """A browser form upload as boto3 signs it; conditions default to every field."""
    post = s3.generate_presigned_post(bucket, key, Fields=fields, ExpiresIn=600,
                                      Conditions=[{k: v} for k, v in fields.items()] if conditions is None
                                      else conditions)
    return requests.post(post["url"], data=post["fields"], files={"file": ("f.bin", data)}, timeout=30)


def form_answer(r):
    c = r.text.split("<Code>")[1].split("</Code>")[0] if "<Code>" in r.text else None
    return c, r.status_code


def test_grant_fields_in_post_object_forms(world):
    alice, bob, ids = world["alice"], world["bob"], world["ids"]
    b = alice_bucket(world, "post-grants")
    r = post_form_upload(alice, b, "granted", {"x-amz-grant-read": f'id="{ids["bob"]}"'})
    assert r.status_code == 204, r.text
    assert can(bob.get_object, Bucket=b, Key="granted")
    assert grant_set(alice.get_object_acl(Bucket=b, Key="granted")) == {(ids["bob"], "READ")}
    r = post_form_upload(alice, b, "public", {"x-amz-grant-read": f'uri="{ALL_USERS}"'})
    assert r.status_code == 204, r.text
    assert can(world["anonymous"].get_object, Bucket=b, Key="public")
    # As PutObject's headers: with the acl field, an unknown id, a malformed grant.
    for fields, want in [
        ({"x-amz-grant-read": f'id="{ids["bob"]}"', "acl": "private"}, ("InvalidRequest", 400)),
        ({"x-amz-grant-read": f'id="{"f" * 64}"'}, ("InvalidArgument", 400)),
        ({"x-amz-grant-read": "bob"}, ("InvalidArgument", 400)),
    ]:
        assert form_answer(post_form_upload(alice, b, "bad", fields)) == want, fields
    # A grant field the signed policy does not cover: 403, nothing stored.
    r = post_form_upload(alice, b, "bad", {"x-amz-grant-read": f'uri="{ALL_USERS}"'}, conditions=[])
    assert form_answer(r) == ("AccessDenied", 403), r.text
    assert code(client_error(alice.head_object, Bucket=b, Key="bad")) == ("404", 404)
    # A writer with s3:PutObject alone may not grant (s3:PutObjectAcl, AWS's rule).
    alice.put_bucket_policy(Bucket=b, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": ["bob"]}, "Action": ["s3:PutObject"],
        "Resource": [f"arn:aws:s3:::{b}/*"]}]}))
    assert post_form_upload(bob, b, "bobs", {}).status_code == 204
    r = post_form_upload(bob, b, "bobs-granted", {"x-amz-grant-read": f'uri="{ALL_USERS}"'})
    assert form_answer(r) == ("AccessDenied", 403), r.text
    assert code(client_error(alice.head_object, Bucket=b, Key="bobs-granted")) == ("404", 404)
    alice.delete_bucket_policy(Bucket=b)
    still_serving(alice, b)


# --- owners and initiators in listings ----------------------------------------------------------

def test_listings_show_the_owner_and_the_real_initiator_not_the_caller(silt, world):
    alice, bob, ids = world["alice"], world["bob"], world["ids"]
    b = alice_bucket(world, "owners")
    alice.put_bucket_policy(Bucket=b, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": ["bob"]},
        "Action": ["s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads", "s3:PutObject",
                   "s3:ListMultipartUploadParts"],
        "Resource": [f"arn:aws:s3:::{b}", f"arn:aws:s3:::{b}/*"]}]}))
    alice_shown = {"ID": ids["alice"], "DisplayName": "Alice Example"}
    bob_shown = {"ID": ids["bob"], "DisplayName": "bob"}
    bob.put_object(Bucket=b, Key="bobs", Body=b"b")
    # Objects are the bucket owner's whoever wrote or lists them (docs/acl.md), as GetObjectAcl says.
    assert alice.get_object_acl(Bucket=b, Key="bobs")["Owner"] == alice_shown
    for lister in (alice, bob):
        for o in lister.list_objects_v2(Bucket=b, FetchOwner=True)["Contents"]:
            assert o["Owner"] == alice_shown, o
        for o in lister.list_objects(Bucket=b)["Contents"]:
            assert o["Owner"] == alice_shown, o
        for v in lister.list_object_versions(Bucket=b)["Versions"]:
            assert v["Owner"] == alice_shown, v
    assert "Owner" not in bob.list_objects_v2(Bucket=b)["Contents"][0]
    # An upload's Initiator is who started it; its Owner the bucket's, whoever asks.
    up_bob = bob.create_multipart_upload(Bucket=b, Key="bob-mp")["UploadId"]
    up_alice = alice.create_multipart_upload(Bucket=b, Key="alice-mp")["UploadId"]
    for lister in (alice, bob):
        uploads = {u["UploadId"]: u for u in lister.list_multipart_uploads(Bucket=b)["Uploads"]}
        assert uploads[up_bob]["Initiator"] == bob_shown and uploads[up_bob]["Owner"] == alice_shown
        assert uploads[up_alice]["Initiator"] == alice_shown and uploads[up_alice]["Owner"] == alice_shown
        parts = lister.list_parts(Bucket=b, Key="bob-mp", UploadId=up_bob)
        assert parts["Initiator"] == bob_shown and parts["Owner"] == alice_shown
    # The initiator is in the upload's record: it survives a restart.
    silt.restart()
    again = client(silt, "alice", SECRETS["alice"])
    assert again.list_parts(Bucket=b, Key="bob-mp", UploadId=up_bob)["Initiator"] == bob_shown
    again.delete_bucket_policy(Bucket=b)
    still_serving(again, b)
