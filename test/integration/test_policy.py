"""Bucket policies and canned ACLs against a real silt: the access matrix (owner, another
user, anonymous x no policy / policy Allow / policy Deny / public-read ACL x ListBucket,
GetObject, PutObject, DeleteObject) through boto3 and raw HTTP, conditions (s3:prefix,
aws:SourceIp, aws:SecureTransport), NotAction / NotResource, MalformedPolicy, the policy
calls themselves, GetBucketPolicyStatus, object and bucket ACLs (x-amz-acl on PUT, copy,
multipart, Put/Get*Acl), per-key DeleteObjects, and real clients (aws cli, s3cmd, rclone)."""
import json
import os
import xml.etree.ElementTree as ET

import pytest
import requests

from s3assert import client, client_error, code, error_code, ok

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
ALICE_SECRET = "alice-secret-0123"
BOB_SECRET = "bob-secret-456789"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


def arn(bucket, key=None):
    return f"arn:aws:s3:::{bucket}" + (f"/{key}" if key is not None else "")


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})



@pytest.fixture(scope="module")
def world(silt):
    ok(silt.admin("user", "add", "alice", "--secret-stdin", input=ALICE_SECRET + "\n"))
    ok(silt.admin("user", "add", "bob", "--secret-stdin", input=BOB_SECRET + "\n"))
    return {
        "owner": client(silt, "alice", ALICE_SECRET),
        "other": client(silt, "bob", BOB_SECRET),
        "anonymous": client(silt, unsigned=True),
    }


def new_bucket(world, prefix="pol"):
    name = f"{prefix}-{os.urandom(3).hex()}"
    world["owner"].create_bucket(Bucket=name)
    world["owner"].put_object(Bucket=name, Key="obj", Body=b"alice's data")
    return name


# --- the matrix ---------------------------------------------------------------------------

def set_up(world, scenario, b):
    alice = world["owner"]
    if scenario == "allow":
        alice.put_bucket_policy(Bucket=b, Policy=policy(
            {"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket", "Resource": arn(b)},
            {"Effect": "Allow", "Principal": {"AWS": ["*"]},
             "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "Resource": arn(b, "*")}))
    elif scenario == "deny":
        alice.put_bucket_policy(Bucket=b, Policy=policy(
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [arn(b), arn(b, "*")]}))
    elif scenario == "acl":
        alice.put_bucket_acl(Bucket=b, ACL="public-read")
        alice.put_object_acl(Bucket=b, Key="obj", ACL="public-read")


ACTIONS = {
    "ListBucket": (lambda c, b, who: c.list_objects_v2(Bucket=b), ("GET", "", {"list-type": "2"})),
    "GetObject": (lambda c, b, who: c.get_object(Bucket=b, Key="obj")["Body"].read(), ("GET", "obj", {})),
    "PutObject": (lambda c, b, who: c.put_object(Bucket=b, Key=f"new-{who}", Body=b"x"), ("PUT", "new-raw", {})),
    "DeleteObject": (lambda c, b, who: c.delete_object(Bucket=b, Key=f"new-{who}"), ("DELETE", "new-raw", {})),
}

DENIED = ("AccessDenied", 403)
# scenario -> who -> action -> None (allowed) or (code, status)
EXPECTED = {
    "none": {"owner": {}, "other": dict.fromkeys(ACTIONS, DENIED), "anonymous": dict.fromkeys(ACTIONS, DENIED)},
    "allow": {"owner": {}, "other": {}, "anonymous": {}},
    "deny": {who: dict.fromkeys(ACTIONS, DENIED) for who in ("owner", "other", "anonymous")},
    "acl": {"owner": {},
            "other": {"PutObject": DENIED, "DeleteObject": DENIED},
            "anonymous": {"PutObject": DENIED, "DeleteObject": DENIED}},
}


@pytest.fixture(scope="module")
def scenario_buckets(world):
    out = {}
    for scenario in EXPECTED:
        b = new_bucket(world, scenario)
        set_up(world, scenario, b)
        out[scenario] = b
    return out


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("who", ["owner", "other", "anonymous"])
@pytest.mark.parametrize("scenario", list(EXPECTED))
def test_matrix_boto3(world, scenario_buckets, scenario, who, action):
    b = scenario_buckets[scenario]
    want = EXPECTED[scenario][who].get(action)
    call = ACTIONS[action][0]
    if want is None:
        call(world[who], b, who)
    else:
        assert code(client_error(call, world[who], b, who)) == want, (scenario, who, action)


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("scenario", list(EXPECTED))
def test_matrix_raw_anonymous(silt, scenario_buckets, scenario, action):
    """What curl sees: unsigned requests with no SDK in between."""
    b = scenario_buckets[scenario]
    method, key, params = ACTIONS[action][1]
    r = requests.request(method, f"{silt.endpoint}/{b}/{key}", params=params,
                         data=b"raw" if method == "PUT" else None, timeout=30)
    want = EXPECTED[scenario]["anonymous"].get(action)
    if want is None:
        assert r.status_code in (200, 204), (scenario, action, r.status_code, r.text)
        if action == "GetObject":
            assert r.content == b"alice's data"
    else:
        assert (error_code(r.content), r.status_code) == want, (scenario, action)


def test_owner_can_always_repair_a_denying_policy(world, scenario_buckets):
    alice, b = world["owner"], scenario_buckets["deny"]
    assert json.loads(alice.get_bucket_policy(Bucket=b)["Policy"])["Statement"][0]["Effect"] == "Deny"
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [arn(b), arn(b, "*")]}))
    # Another user denied by the same policy cannot remove it.
    assert code(client_error(world["other"].delete_bucket_policy, Bucket=b)) == DENIED


def test_admin_ignores_policies(s3, scenario_buckets):
    b = scenario_buckets["deny"]
    assert s3.get_object(Bucket=b, Key="obj")["Body"].read() == b"alice's data"


def test_anonymous_may_not_list_buckets_or_create_one(silt, world):
    assert code(client_error(world["anonymous"].list_buckets)) == DENIED
    r = requests.put(f"{silt.endpoint}/anon-{os.urandom(3).hex()}", timeout=30)
    assert (r.status_code, error_code(r.content)) == (403, "AccessDenied")


def test_head_requests_by_anonymous_follow_the_same_decision(silt, scenario_buckets):
    assert requests.head(f"{silt.endpoint}/{scenario_buckets['acl']}/obj", timeout=30).status_code == 200
    assert requests.head(f"{silt.endpoint}/{scenario_buckets['acl']}", timeout=30).status_code == 200
    assert requests.head(f"{silt.endpoint}/{scenario_buckets['none']}/obj", timeout=30).status_code == 403
    assert requests.head(f"{silt.endpoint}/{scenario_buckets['deny']}/obj", timeout=30).status_code == 403


# --- conditions ---------------------------------------------------------------------------

def test_prefix_condition_on_list_bucket(world):
    b = new_bucket(world)
    world["owner"].put_object(Bucket=b, Key="home/bob/f", Body=b"1")
    world["owner"].put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:user/bob"}, "Action": "s3:ListBucket",
         "Resource": arn(b), "Condition": {"StringLike": {"s3:prefix": ["home/bob/*"]}}}))
    bob = world["other"]
    got = bob.list_objects_v2(Bucket=b, Prefix="home/bob/")
    assert [o["Key"] for o in got["Contents"]] == ["home/bob/f"]
    assert code(client_error(bob.list_objects_v2, Bucket=b)) == DENIED
    assert code(client_error(bob.list_objects_v2, Bucket=b, Prefix="home/")) == DENIED
    # Named principals never match anonymous callers.
    assert code(client_error(world["anonymous"].list_objects_v2, Bucket=b, Prefix="home/bob/")) == DENIED


@pytest.mark.parametrize("cidr,allowed", [("127.0.0.1/32", True), ("127.0.0.0/8", True), ("10.0.0.0/8", False)])
def test_source_ip_condition(silt, world, cidr, allowed):
    b = new_bucket(world)
    world["owner"].put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": arn(b, "*"),
         "Condition": {"IpAddress": {"aws:SourceIp": cidr}}}))
    r = requests.get(f"{silt.endpoint}/{b}/obj", timeout=30)
    assert r.status_code == (200 if allowed else 403), r.text


def test_not_ip_address_deny_locks_out_even_the_owner(world):
    b = new_bucket(world)
    alice = world["owner"]
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [arn(b), arn(b, "*")],
         "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}}))
    assert code(client_error(alice.get_object, Bucket=b, Key="obj")) == DENIED
    alice.delete_bucket_policy(Bucket=b)
    assert alice.get_object(Bucket=b, Key="obj")["Body"].read() == b"alice's data"


def test_secure_transport_false_deny_over_http(world):
    b = new_bucket(world)
    alice = world["owner"]
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Sid": "https-only", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [arn(b), arn(b, "*")], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}))
    assert code(client_error(alice.get_object, Bucket=b, Key="obj")) == DENIED
    assert code(client_error(alice.list_objects_v2, Bucket=b)) == DENIED
    # The owner is never locked out of the policy itself.
    alice.delete_bucket_policy(Bucket=b)
    alice.get_object(Bucket=b, Key="obj")


# --- NotAction, NotResource -------------------------------------------------------------

def test_not_action(world):
    b = new_bucket(world)
    world["owner"].put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": "bob"}, "NotAction": ["s3:PutObject", "s3:Delete*"],
         "Resource": arn(b, "*")}))
    bob = world["other"]
    assert bob.get_object(Bucket=b, Key="obj")["Body"].read() == b"alice's data"
    assert code(client_error(bob.put_object, Bucket=b, Key="k", Body=b"x")) == DENIED
    assert code(client_error(bob.delete_object, Bucket=b, Key="obj")) == DENIED


def test_not_resource(world):
    b = new_bucket(world)
    alice = world["owner"]
    alice.put_object(Bucket=b, Key="public/page.html", Body=b"<p>hi</p>")
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": arn(b, "*")},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "NotResource": arn(b, "public/*")}))
    anon = world["anonymous"]
    assert anon.get_object(Bucket=b, Key="public/page.html")["Body"].read() == b"<p>hi</p>"
    assert code(client_error(anon.get_object, Bucket=b, Key="obj")) == DENIED
    # The Deny covers the owner too.
    assert code(client_error(alice.get_object, Bucket=b, Key="obj")) == DENIED


# --- the policy calls -----------------------------------------------------------------------

@pytest.mark.parametrize("doc,message", [
    ("this is not json", "Policies must be valid JSON and the first byte must be '{'"),
    ('{"Version": "2012-10-17", "Statement": [', "This policy contains invalid Json"),
    (policy({"Effect": "Maybe", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::BUCKET/*"}),
     "Invalid effect: Maybe"),
    (policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::someone-else/*"}),
     "Policy has invalid resource"),
    (policy({"Effect": "Allow", "Principal": "*", "Action": "iam:PassRole", "Resource": "arn:aws:s3:::BUCKET/*"}),
     "Policy has invalid action"),
    (policy({"Effect": "Allow", "Principal": {"AWS": "no-such-user"}, "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::BUCKET/*"}), "Invalid principal in policy"),
    (policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::BUCKET/*"}),
     "Missing required field Principal"),
])
def test_malformed_policy(world, doc, message):
    b = new_bucket(world)
    e = client_error(world["owner"].put_bucket_policy, Bucket=b, Policy=doc.replace("BUCKET", b))
    assert code(e) == ("MalformedPolicy", 400)
    assert e.response["Error"]["Message"] == message
    assert code(client_error(world["owner"].get_bucket_policy, Bucket=b)) == ("NoSuchBucketPolicy", 404)


def test_policy_too_large(world):
    b = new_bucket(world)
    doc = policy(*[{"Sid": f"s{i}", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                    "Resource": arn(b, f"some/long/prefix/number/{i}/*")} for i in range(300)])
    assert len(doc) > 20 * 1024
    assert code(client_error(world["owner"].put_bucket_policy, Bucket=b, Policy=doc)) == ("MalformedPolicy", 400)


def test_get_delete_policy_and_status(world):
    alice = world["owner"]
    b = new_bucket(world)
    assert code(client_error(alice.get_bucket_policy, Bucket=b)) == ("NoSuchBucketPolicy", 404)
    # Without a policy the bucket is simply not public (issue 19 item 5; was NoSuchBucketPolicy).
    assert alice.get_bucket_policy_status(Bucket=b)["PolicyStatus"]["IsPublic"] is False
    doc = policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": arn(b, "*")})
    alice.put_bucket_policy(Bucket=b, Policy=doc)
    assert json.loads(alice.get_bucket_policy(Bucket=b)["Policy"]) == json.loads(doc)
    assert alice.get_bucket_policy_status(Bucket=b)["PolicyStatus"]["IsPublic"] is True
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": arn(b, "*"),
         "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}}))
    assert alice.get_bucket_policy_status(Bucket=b)["PolicyStatus"]["IsPublic"] is False
    alice.delete_bucket_policy(Bucket=b)
    assert code(client_error(alice.get_bucket_policy, Bucket=b)) == ("NoSuchBucketPolicy", 404)
    # The cached policy went with it: anonymous reads are refused again.
    assert code(client_error(world["anonymous"].get_object, Bucket=b, Key="obj")) == DENIED
    alice.delete_bucket_policy(Bucket=b)  # deleting none is fine, as on S3


def test_policy_goes_with_its_bucket(world):
    alice = world["owner"]
    b = new_bucket(world)
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": arn(b, "*")}))
    world["anonymous"].get_object(Bucket=b, Key="obj")
    alice.delete_object(Bucket=b, Key="obj")
    alice.delete_bucket(Bucket=b)
    alice.create_bucket(Bucket=b)
    alice.put_object(Bucket=b, Key="obj", Body=b"new")
    assert code(client_error(world["anonymous"].get_object, Bucket=b, Key="obj")) == DENIED


# --- DeleteObjects -------------------------------------------------------------------------

def test_delete_objects_is_decided_per_key(world):
    alice, bob = world["owner"], world["other"]
    b = new_bucket(world)
    alice.put_object(Bucket=b, Key="tmp/a", Body=b"1")
    alice.put_bucket_policy(Bucket=b, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "s3:DeleteObject", "Resource": arn(b, "tmp/*")}))
    out = bob.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "tmp/a"}, {"Key": "obj"}]})
    assert [d["Key"] for d in out.get("Deleted", [])] == ["tmp/a"]
    assert [(e["Key"], e["Code"]) for e in out["Errors"]] == [("obj", "AccessDenied")]
    assert alice.get_object(Bucket=b, Key="obj")["Body"].read() == b"alice's data"
    # Without a policy a non-owner is refused as a whole.
    alice.delete_bucket_policy(Bucket=b)
    assert code(client_error(bob.delete_objects, Bucket=b, Delete={"Objects": [{"Key": "obj"}]})) == DENIED


# --- canned ACLs ----------------------------------------------------------------------------

def grants(xml_root):
    out = set()
    for g in xml_root.iter(f"{NS}Grant"):
        grantee = g.find(f"{NS}Grantee")
        who = grantee.findtext(f"{NS}URI") or grantee.findtext(f"{NS}ID")
        out.add((who, g.findtext(f"{NS}Permission")))
    return out


def test_object_acls(silt, world):
    alice = world["owner"]
    b = new_bucket(world)
    alice.put_object(Bucket=b, Key="pub", Body=b"public", ACL="public-read")
    alice.put_object(Bucket=b, Key="priv", Body=b"private", ACL="private")
    alice.put_object(Bucket=b, Key="auth", Body=b"signed", ACL="authenticated-read")
    assert requests.get(f"{silt.endpoint}/{b}/pub", timeout=30).content == b"public"
    r = requests.get(f"{silt.endpoint}/{b}/priv", timeout=30)
    assert (r.status_code, error_code(r.content)) == (403, "AccessDenied")
    assert code(client_error(world["anonymous"].get_object, Bucket=b, Key="auth")) == DENIED
    assert world["other"].get_object(Bucket=b, Key="auth")["Body"].read() == b"signed"
    # READ is reading, nothing more.
    assert code(client_error(world["other"].put_object, Bucket=b, Key="pub", Body=b"x")) == DENIED
    assert code(client_error(world["other"].delete_object, Bucket=b, Key="pub")) == DENIED
    # A missing key is AccessDenied to who may not read it, not NoSuchKey.
    assert code(client_error(world["anonymous"].get_object, Bucket=b, Key="missing")) == DENIED

    # Owners are shown by canonical id, not access key (issue 19 item 4).
    alice_id = alice.list_buckets()["Owner"]["ID"]
    acl = alice.get_object_acl(Bucket=b, Key="pub")
    assert acl["Owner"]["ID"] == alice_id
    assert {(g["Grantee"].get("URI") or g["Grantee"].get("ID"), g["Permission"]) for g in acl["Grants"]} == {
        (alice_id, "FULL_CONTROL"), (ALL_USERS, "READ")}
    raw = silt.request("GET", b, "auth", params=[("acl", None)])
    assert raw.status == 200
    assert grants(ET.fromstring(raw.body)) == {(alice_id, "FULL_CONTROL"), (AUTH_USERS, "READ")}
    assert grants(ET.fromstring(silt.request("GET", b, "priv", params=[("acl", None)]).body)) == {
        (alice_id, "FULL_CONTROL")}

    # PutObjectAcl with a canned header, then with a document (what s3cmd setacl sends).
    alice.put_object_acl(Bucket=b, Key="priv", ACL="public-read")
    assert requests.get(f"{silt.endpoint}/{b}/priv", timeout=30).content == b"private"
    owner = {"ID": alice_id, "DisplayName": "alice"}
    alice.put_object_acl(Bucket=b, Key="priv", AccessControlPolicy={
        "Owner": owner, "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": alice_id}, "Permission": "FULL_CONTROL"}]})
    assert requests.get(f"{silt.endpoint}/{b}/priv", timeout=30).status_code == 403
    alice.put_object_acl(Bucket=b, Key="priv", AccessControlPolicy={"Owner": owner, "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": alice_id}, "Permission": "FULL_CONTROL"},
        {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"}]})
    assert requests.get(f"{silt.endpoint}/{b}/priv", timeout=30).status_code == 200
    e = client_error(alice.put_object_acl, Bucket=b, Key="priv", AccessControlPolicy={"Owner": owner, "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": "bob"}, "Permission": "READ"}]})
    # Grants are served now (test_acl_grants.py); "bob" is an access key, no canonical id.
    assert code(e) == ("InvalidArgument", 400)
    assert code(client_error(alice.put_object, Bucket=b, Key="x", Body=b"x", ACL="world-writable"))[1] == 400
    # Overwriting an object resets its ACL: the new PUT's x-amz-acl (none: private) decides.
    alice.put_object(Bucket=b, Key="pub", Body=b"again")
    assert requests.get(f"{silt.endpoint}/{b}/pub", timeout=30).status_code == 403


@pytest.mark.parametrize("value", ["private", "public-read-write", "bucket-owner-read", "bucket-owner-full-control",
                                   "aws-exec-read", "log-delivery-write"])
def test_every_canned_acl_is_accepted(silt, world, value):
    alice = world["owner"]
    b = new_bucket(world)
    alice.put_object(Bucket=b, Key="k", Body=b"v", ACL=value)
    # public-read-write lets anyone read (its WRITE is the bucket's to give); the rest are private.
    anon = requests.get(f"{silt.endpoint}/{b}/k", timeout=30).status_code
    assert anon == (200 if value == "public-read-write" else 403)
    anon_put = requests.put(f"{silt.endpoint}/{b}/k2", data=b"x", timeout=30).status_code
    assert anon_put == 403
    # A canned ACL and x-amz-grant-* together: AWS's InvalidRequest (grants alone: test_acl_grants.py).
    r = silt.request("PUT", b, "g", headers={"x-amz-grant-read": f'uri="{ALL_USERS}"', "x-amz-acl": value},
                     body=b"g")
    assert (r.status, r.error_code()) == (400, "InvalidRequest"), r.body


def test_copy_and_multipart_acls(silt, world):
    alice = world["owner"]
    b = new_bucket(world)
    alice.put_object(Bucket=b, Key="src", Body=b"source", ACL="public-read")
    alice.copy_object(Bucket=b, Key="copy-private", CopySource={"Bucket": b, "Key": "src"})
    alice.copy_object(Bucket=b, Key="copy-public", CopySource={"Bucket": b, "Key": "src"}, ACL="public-read")
    assert requests.get(f"{silt.endpoint}/{b}/copy-private", timeout=30).status_code == 403
    assert requests.get(f"{silt.endpoint}/{b}/copy-public", timeout=30).content == b"source"
    up = alice.create_multipart_upload(Bucket=b, Key="mp", ACL="public-read")
    part = alice.upload_part(Bucket=b, Key="mp", UploadId=up["UploadId"], PartNumber=1, Body=b"multi")
    alice.complete_multipart_upload(Bucket=b, Key="mp", UploadId=up["UploadId"], MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert requests.get(f"{silt.endpoint}/{b}/mp", timeout=30).content == b"multi"
    # Reading a copy source is s3:GetObject on it: bob may copy the public object, not the private one.
    bobs = f"bobs-{os.urandom(3).hex()}"
    bob = world["other"]
    bob.create_bucket(Bucket=bobs)
    bob.copy_object(Bucket=bobs, Key="c", CopySource={"Bucket": b, "Key": "copy-public"})
    assert code(client_error(bob.copy_object, Bucket=bobs, Key="c2",
                             CopySource={"Bucket": b, "Key": "copy-private"})) == DENIED


def test_bucket_acls(silt, world):
    alice = world["owner"]
    b = f"bacl-{os.urandom(3).hex()}"
    alice.create_bucket(Bucket=b, ACL="public-read")
    alice.put_object(Bucket=b, Key="k", Body=b"v")
    acl = alice.get_bucket_acl(Bucket=b)
    alice_id = acl["Owner"]["ID"]
    assert alice_id == alice.list_buckets()["Owner"]["ID"]
    assert {(g["Grantee"].get("URI") or g["Grantee"].get("ID"), g["Permission"]) for g in acl["Grants"]} == {
        (alice_id, "FULL_CONTROL"), (ALL_USERS, "READ")}
    # Bucket READ is listing; the objects keep their own (private) ACL.
    assert requests.get(f"{silt.endpoint}/{b}", timeout=30).status_code == 200
    assert requests.get(f"{silt.endpoint}/{b}/k", timeout=30).status_code == 403
    alice.put_bucket_acl(Bucket=b, ACL="authenticated-read")
    assert requests.get(f"{silt.endpoint}/{b}", timeout=30).status_code == 403
    world["other"].list_objects_v2(Bucket=b)
    alice.put_bucket_acl(Bucket=b, ACL="private")
    assert code(client_error(world["other"].list_objects_v2, Bucket=b)) == DENIED
    assert grants(ET.fromstring(silt.request("GET", b, params=[("acl", None)]).body)) == {(alice_id, "FULL_CONTROL")}
    # Another user may not change it.
    assert code(client_error(world["other"].put_bucket_acl, Bucket=b, ACL="public-read")) == DENIED


# --- real clients ---------------------------------------------------------------------------

def test_aws_cli_policy_calls(silt, s3, tmp_path):
    b = f"cli-{os.urandom(3).hex()}"
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="index.html", Body=b"<h1>hi</h1>")
    doc = tmp_path / "policy.json"
    doc.write_text(policy({"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"],
                           "Resource": [arn(b, "*")]}))
    silt.aws("s3api", "put-bucket-policy", "--bucket", b, "--policy", f"file://{doc}")
    status = json.loads(silt.aws("s3api", "get-bucket-policy-status", "--bucket", b).stdout)
    assert status["PolicyStatus"]["IsPublic"] is True
    got = json.loads(silt.aws("s3api", "get-bucket-policy", "--bucket", b).stdout)
    assert json.loads(got["Policy"])["Statement"][0]["Sid"] == "PublicRead"
    assert requests.get(f"{silt.endpoint}/{b}/index.html", timeout=30).content == b"<h1>hi</h1>"
    # The same read through an unsigned aws cli.
    out = tmp_path / "out.html"
    silt.aws("s3", "cp", "--no-sign-request", f"s3://{b}/index.html", str(out))
    assert out.read_bytes() == b"<h1>hi</h1>"
    silt.aws("s3api", "delete-bucket-policy", "--bucket", b)
    assert requests.get(f"{silt.endpoint}/{b}/index.html", timeout=30).status_code == 403


def test_s3cmd_acls(silt, s3, tmp_path):
    b = f"s3cmd-{os.urandom(3).hex()}"
    silt.s3cmd("mb", f"s3://{b}")
    f = tmp_path / "f.txt"
    f.write_bytes(b"s3cmd data")
    silt.s3cmd("put", str(f), f"s3://{b}/f.txt")  # sends x-amz-acl: private
    assert requests.get(f"{silt.endpoint}/{b}/f.txt", timeout=30).status_code == 403
    silt.s3cmd("setacl", "--acl-public", f"s3://{b}/f.txt")
    assert requests.get(f"{silt.endpoint}/{b}/f.txt", timeout=30).content == b"s3cmd data"
    info = silt.s3cmd("info", f"s3://{b}/f.txt").stdout
    assert "*anon*: READ" in info, info
    silt.s3cmd("setacl", "--acl-private", f"s3://{b}/f.txt")
    assert requests.get(f"{silt.endpoint}/{b}/f.txt", timeout=30).status_code == 403
    silt.s3cmd("put", "--acl-public", str(f), f"s3://{b}/g.txt")
    assert requests.get(f"{silt.endpoint}/{b}/g.txt", timeout=30).content == b"s3cmd data"


def test_rclone_with_acl(silt, s3, tmp_path):
    b = f"rclone-{os.urandom(3).hex()}"
    s3.create_bucket(Bucket=b)
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_bytes(b"rclone a")
    silt.rclone("copy", str(src), f"other:{b}/d")  # x-amz-acl: private by default
    assert requests.get(f"{silt.endpoint}/{b}/d/a.txt", timeout=30).status_code == 403
    silt.rclone("copy", "--s3-acl", "public-read", str(src), f"other:{b}/p")
    assert requests.get(f"{silt.endpoint}/{b}/p/a.txt", timeout=30).content == b"rclone a"


def test_canonical_user_principal_is_the_users_canonical_id(silt, world):
    owner, other, anonymous = world["owner"], world["other"], world["anonymous"]
    users = {u["accessKey"]: u for u in json.loads(ok(silt.admin("--json", "user", "list")).stdout)["users"]}
    bob_id = users["bob"]["canonicalId"]
    b = new_bucket(world, "canon")
    # The id GetObjectAcl names a user by is the one a policy names it by.
    owner.put_bucket_policy(Bucket=b, Policy=policy({
        "Effect": "Allow", "Principal": {"CanonicalUser": bob_id.upper()}, "Action": "s3:GetObject",
        "Resource": arn(b, "*")}))
    assert other.get_object(Bucket=b, Key="obj")["Body"].read() == b"alice's data"
    assert code(client_error(anonymous.get_object, Bucket=b, Key="obj")) == ("AccessDenied", 403)
    # Another user's id admits that user, not bob.
    owner.put_bucket_policy(Bucket=b, Policy=policy({
        "Effect": "Allow", "Principal": {"CanonicalUser": users["alice"]["canonicalId"]}, "Action": "s3:GetObject",
        "Resource": arn(b, "*")}))
    assert code(client_error(other.get_object, Bucket=b, Key="obj")) == ("AccessDenied", 403)
    # A user name where AWS takes a canonical id is an invalid principal, and the old policy stays.
    e = client_error(owner.put_bucket_policy, Bucket=b, Policy=policy({
        "Effect": "Allow", "Principal": {"CanonicalUser": "bob"}, "Action": "s3:GetObject",
        "Resource": arn(b, "*")}))
    assert code(e) == ("MalformedPolicy", 400)
    assert e.response["Error"]["Message"] == "Invalid principal in policy"
    assert code(client_error(other.get_object, Bucket=b, Key="obj")) == ("AccessDenied", 403)
    assert owner.get_object(Bucket=b, Key="obj")["Body"].read() == b"alice's data"
