"""Users and bucket ownership against a real silt: `silt admin user add|list|remove`, the
access matrix (owner, another user, anonymous, a bad signature, an unknown key) over bucket
and object operations, ListBuckets per user, the admin API for non-admins, presigned URLs,
removal taking effect at once, and users surviving a restart."""
import json
import os
import re
import stat
import time

import pytest
import requests

from s3assert import client, client_error, code, error_code, ok

ALICE_SECRET = "alice-secret-0123"
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def parse_key_pair(stdout):
    """The 'access key: K / secret key: S' lines `silt admin user add` prints."""
    key = re.search(r"^access key: (\S+)$", stdout, re.M)
    secret = re.search(r"^secret key: (\S+)$", stdout, re.M)
    assert key and secret, stdout
    return key.group(1), secret.group(1)



@pytest.fixture(scope="module")
def world(silt):
    """alice (given secret) and bob (generated secret), each with a bucket and an object."""
    out = ok(silt.admin("user", "add", "alice", "--secret-stdin", input=ALICE_SECRET + "\n")).stdout
    assert parse_key_pair(out) == ("alice", ALICE_SECRET)
    bob_key, bob_secret = parse_key_pair(ok(silt.admin("user", "add", "bob")).stdout)
    assert bob_key == "bob"
    assert re.fullmatch(r"[A-Za-z0-9]{40}", bob_secret), bob_secret
    w = {
        "a": f"alice-{os.urandom(3).hex()}",
        "b": f"bob-{os.urandom(3).hex()}",
        "bob_secret": bob_secret,
        "owner": client(silt, "alice", ALICE_SECRET),
        "other": client(silt, "bob", bob_secret),
        "anonymous": client(silt, unsigned=True),
        "bad-signature": client(silt, "alice", "not-alices-secret"),
        "unknown-key": client(silt, "nobody-at-all", "whatever-secret"),
    }
    w["owner"].create_bucket(Bucket=w["a"])
    w["owner"].put_object(Bucket=w["a"], Key="obj", Body=b"alice's data")
    w["other"].create_bucket(Bucket=w["b"])
    w["other"].put_object(Bucket=w["b"], Key="bobj", Body=b"bob's data")
    return w


# --- the access matrix ----------------------------------------------------------------------

def own_bucket(w, who):
    """The bucket the caller copies from or to when the other end is alice's bucket."""
    return w["a"] if who == "owner" else w["b"]


# (name, call(client, world, who), is HEAD, what the owner gets: None for success or (code, status))
OPERATIONS = [
    ("HeadBucket", lambda c, w, who: c.head_bucket(Bucket=w["a"]), True, None),
    ("ListObjectsV2", lambda c, w, who: c.list_objects_v2(Bucket=w["a"]), False, None),
    ("GetBucketVersioning", lambda c, w, who: c.get_bucket_versioning(Bucket=w["a"]), False, None),
    ("PutBucketCors", lambda c, w, who: c.put_bucket_cors(
        Bucket=w["a"], CORSConfiguration={"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}),
     False, None),
    # Not empty, so the owner's attempt proves it got past the access check without losing the bucket.
    ("DeleteBucket", lambda c, w, who: c.delete_bucket(Bucket=w["a"]), False, ("BucketNotEmpty", 409)),
    ("PutObject", lambda c, w, who: c.put_object(Bucket=w["a"], Key=f"put-{who}", Body=b"x" * 100), False, None),
    ("GetObject", lambda c, w, who: c.get_object(Bucket=w["a"], Key="obj")["Body"].read(), False, None),
    ("HeadObject", lambda c, w, who: c.head_object(Bucket=w["a"], Key="obj"), True, None),
    ("DeleteObject", lambda c, w, who: c.delete_object(Bucket=w["a"], Key="scratch"), False, None),
    ("CopyObject-source", lambda c, w, who: c.copy_object(
        Bucket=own_bucket(w, who), Key=f"copied-{who}", CopySource={"Bucket": w["a"], "Key": "obj"}), False, None),
    ("CopyObject-destination", lambda c, w, who: c.copy_object(
        Bucket=w["a"], Key=f"copied-in-{who}",
        CopySource={"Bucket": own_bucket(w, who), "Key": "obj" if who == "owner" else "bobj"}), False, None),
    ("CreateMultipartUpload", lambda c, w, who: c.create_multipart_upload(Bucket=w["a"], Key="mp"), False, None),
    ("DeleteObjects", lambda c, w, who: c.delete_objects(
        Bucket=w["a"], Delete={"Objects": [{"Key": "scratch2"}]}), False, None),
]

EXPECTED = {
    "other": ("AccessDenied", 403),
    "anonymous": ("AccessDenied", 403),
    "bad-signature": ("SignatureDoesNotMatch", 403),
    "unknown-key": ("InvalidAccessKeyId", 403),
}


@pytest.mark.parametrize("who", ["owner", *EXPECTED])
@pytest.mark.parametrize("name,call,head,owner_gets", OPERATIONS, ids=[o[0] for o in OPERATIONS])
def test_access_matrix(world, who, name, call, head, owner_gets):
    want = owner_gets if who == "owner" else EXPECTED[who]
    if want is None:
        call(world[who], world, who)
        return
    got = code(client_error(call, world[who], world, who))
    if head:  # no body, so no code: the status is all there is
        assert got[1] == want[1], (name, who, got)
    else:
        assert got == want, (name, who, got)


def test_denied_operations_changed_nothing(world):
    """What the matrix refused did not happen anyway."""
    alice = world["owner"]
    keys = sorted(o["Key"] for o in alice.list_objects_v2(Bucket=world["a"]).get("Contents", []))
    assert keys == ["copied-in-owner", "copied-owner", "obj", "put-owner"], keys
    bob_keys = [o["Key"] for o in world["other"].list_objects_v2(Bucket=world["b"]).get("Contents", [])]
    assert bob_keys == ["bobj"], bob_keys
    uploads = alice.list_multipart_uploads(Bucket=world["a"]).get("Uploads", [])
    assert len(uploads) == 1, uploads  # the owner's only
    assert alice.get_bucket_cors(Bucket=world["a"])["CORSRules"][0]["AllowedMethods"] == ["GET"]


def test_other_users_objects_and_configs_are_denied(world):
    bob, a = world["other"], world["a"]
    for call in (lambda: bob.get_bucket_cors(Bucket=a),
                 lambda: bob.put_bucket_versioning(Bucket=a, VersioningConfiguration={"Status": "Enabled"}),
                 lambda: bob.get_bucket_location(Bucket=a),
                 lambda: bob.list_object_versions(Bucket=a),
                 lambda: bob.list_multipart_uploads(Bucket=a),
                 lambda: bob.get_object_tagging(Bucket=a, Key="obj"),
                 lambda: bob.put_object_tagging(Bucket=a, Key="obj", Tagging={"TagSet": []}),
                 lambda: bob.list_objects(Bucket=a)):
        assert code(client_error(call)) == ("AccessDenied", 403)


def test_missing_bucket_is_no_such_bucket_to_anyone(world):
    gone = f"nobody-owns-{os.urandom(3).hex()}"
    for who in ("owner", "other"):
        assert code(client_error(world[who].list_objects_v2, Bucket=gone)) == ("NoSuchBucket", 404)
        assert code(client_error(world[who].head_bucket, Bucket=gone))[1] == 404


def test_create_bucket_of_a_taken_name(world, s3):
    assert code(client_error(world["other"].create_bucket, Bucket=world["a"])) == ("BucketAlreadyExists", 409)
    # Its owner re-creating it: AWS's legacy 200 in us-east-1 (test_aws_answers.py has the rest).
    assert world["owner"].create_bucket(Bucket=world["a"])["ResponseMetadata"]["HTTPStatusCode"] == 200
    # The admin's own buckets are its own; other users' are taken for it too.
    assert code(client_error(s3.create_bucket, Bucket=world["a"])) == ("BucketAlreadyExists", 409)
    admins = f"admin-{os.urandom(3).hex()}"
    s3.create_bucket(Bucket=admins)
    assert s3.create_bucket(Bucket=admins)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert code(client_error(world["owner"].create_bucket, Bucket=admins)) == ("BucketAlreadyExists", 409)
    assert code(client_error(world["owner"].list_objects_v2, Bucket=admins)) == ("AccessDenied", 403)


def test_admin_may_act_on_every_bucket(world, s3):
    assert s3.get_object(Bucket=world["a"], Key="obj")["Body"].read() == b"alice's data"
    s3.copy_object(Bucket=world["b"], Key="from-alice", CopySource={"Bucket": world["a"], "Key": "obj"})
    assert s3.get_object(Bucket=world["b"], Key="from-alice")["Body"].read() == b"alice's data"
    s3.delete_object(Bucket=world["b"], Key="from-alice")


def test_browser_post_into_another_users_bucket_is_denied(world):
    post = world["other"].generate_presigned_post(world["a"], "posted", ExpiresIn=600)
    r = requests.post(post["url"], data=post["fields"], files={"file": ("f", b"data")}, timeout=30)
    assert (r.status_code, error_code(r.content)) == (403, "AccessDenied")
    post = world["owner"].generate_presigned_post(world["a"], "posted", ExpiresIn=600)
    r = requests.post(post["url"], data=post["fields"], files={"file": ("f", b"data")}, timeout=30)
    assert r.status_code == 204, r.text
    world["owner"].delete_object(Bucket=world["a"], Key="posted")


# --- ListBuckets ------------------------------------------------------------------------

def bucket_names(c):
    return sorted(b["Name"] for b in c.list_buckets()["Buckets"])


def test_list_buckets_shows_each_user_its_own(world, s3):
    alice = world["owner"].list_buckets()
    assert [b["Name"] for b in alice["Buckets"]] == [world["a"]]
    # The canonical id (issue 19 item 4), not the access key; the display name defaults to it.
    assert re.fullmatch(r"[0-9a-f]{64}", alice["Owner"]["ID"]) and alice["Owner"]["DisplayName"] == "alice"
    assert bucket_names(world["other"]) == [world["b"]]
    everything = bucket_names(s3)
    assert world["a"] in everything and world["b"] in everything
    for who, want in (("anonymous", "AccessDenied"), ("bad-signature", "SignatureDoesNotMatch"),
                      ("unknown-key", "InvalidAccessKeyId")):
        assert code(client_error(world[who].list_buckets)) == (want, 403)


# --- presigned URLs -----------------------------------------------------------------------

def test_presigned_url_only_for_its_method_key_and_lifetime(world):
    alice, a = world["owner"], world["a"]
    url = alice.generate_presigned_url("get_object", Params={"Bucket": a, "Key": "obj"}, ExpiresIn=300)
    r = requests.get(url, timeout=30)
    assert r.status_code == 200 and r.content == b"alice's data"
    # The same signature for another method or another key.
    r = requests.put(url, data=b"overwrite", timeout=30)
    assert (r.status_code, error_code(r.content)) == (403, "SignatureDoesNotMatch")
    r = requests.get(url.replace("/obj?", "/put-owner?"), timeout=30)
    assert (r.status_code, error_code(r.content)) == (403, "SignatureDoesNotMatch")
    assert alice.get_object(Bucket=a, Key="obj")["Body"].read() == b"alice's data"
    # Past its lifetime.
    short = alice.generate_presigned_url("get_object", Params={"Bucket": a, "Key": "obj"}, ExpiresIn=1)
    time.sleep(2)
    r = requests.get(short, timeout=30)
    assert (r.status_code, error_code(r.content)) == (403, "AccessDenied")
    assert "expired" in r.text.lower()
    # A valid signature of a user who does not own the bucket.
    bobs = world["other"].generate_presigned_url("get_object", Params={"Bucket": a, "Key": "obj"}, ExpiresIn=300)
    r = requests.get(bobs, timeout=30)
    assert (r.status_code, error_code(r.content)) == (403, "AccessDenied")


# --- the admin API and CLI ------------------------------------------------------------------

def test_user_list(silt, world):
    table = ok(silt.admin("user", "list")).stdout
    lines = table.splitlines()
    assert lines[0].split() == ["ACCESS", "KEY", "CREATED", "ADMIN"], table
    rows = {l.split()[0]: l.split() for l in lines[1:]}
    assert rows[silt.access_key][-1] == "yes"
    assert rows["alice"][-1] == "no" and rows["bob"][-1] == "no"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", rows["alice"][1]), rows
    raw = json.loads(ok(silt.admin("--json", "user", "list")).stdout)
    assert [u["accessKey"] for u in raw["users"]][0] == silt.access_key
    assert {u["accessKey"] for u in raw["users"]} >= {"alice", "bob"}
    # canonicalId and displayName since issue 19 item 4 (test_acl_grants.py).
    assert all(set(u) == {"accessKey", "created", "admin", "canonicalId", "displayName"} for u in raw["users"]), raw
    assert ALICE_SECRET not in json.dumps(raw) and world["bob_secret"] not in json.dumps(raw)


def test_user_add_refusals(silt, world):
    for key, secret, words in (("alice", "another-secret", "exists"),
                               (silt.access_key, None, "exists"),
                               ("x", None, "3 to 128"),
                               ("bad/key", None, "letters, digits"),
                               ("carol", "short", "8 to 128"),
                               ("carol", "has space!", "printable")):
        args = ("user", "add", key) + (("--secret-stdin",) if secret else ())
        r = silt.admin(*args, input=secret + "\n" if secret else None)
        assert r.returncode == 1 and "InvalidArgument" in r.stderr and words in r.stderr, (key, r.stderr)
    r = silt.admin("user", "remove", silt.access_key)
    assert r.returncode == 1 and "InvalidArgument" in r.stderr and "admin" in r.stderr, r.stderr
    r = silt.admin("user", "remove", "nobody-at-all")
    assert r.returncode == 1 and "InvalidArgument" in r.stderr, r.stderr
    # alice still signs with her own secret.
    assert bucket_names(world["owner"]) == [world["a"]]


def test_admin_api_is_for_the_admin_only(silt, world):
    r = silt.admin("user", "list", user="alice", password=ALICE_SECRET)
    assert r.returncode == 1 and "AccessDenied" in r.stderr, r.stderr
    r = silt.admin("user", "add", "mallory", user="alice", password=ALICE_SECRET)
    assert r.returncode == 1 and "AccessDenied" in r.stderr, r.stderr
    r = silt.admin("user", "remove", "bob", user="bob", password=world["bob_secret"])
    assert r.returncode == 1 and "AccessDenied" in r.stderr, r.stderr
    r = silt.admin("usage", user="alice", password="not-alices-secret")
    assert r.returncode == 1 and "SignatureDoesNotMatch" in r.stderr, r.stderr
    for method in ("GET", "PUT", "DELETE"):
        r = requests.request(method, f"{silt.endpoint}/_silt/admin/v1/users?accessKey=bob", timeout=30)
        assert (r.status_code, error_code(r.content)) == (403, "AccessDenied"), method
    names = [u["accessKey"] for u in json.loads(ok(silt.admin("--json", "user", "list")).stdout)["users"]]
    assert "mallory" not in names and "bob" in names


def test_admin_api_body_must_match_its_signature(silt):
    """The PUT body is covered by x-amz-content-sha256 like any S3 body."""
    body = json.dumps({"secretKey": "tampered-secret"}).encode()
    import hashlib
    signed_for = hashlib.sha256(b'{"secretKey": "original-secret"}').hexdigest()
    r = silt.request("PUT", "_silt", "admin/v1/users", params=[("accessKey", "tamper")], body=body,
                     payload_hash=signed_for)
    assert (r.status, r.error_code()) == (400, "XAmzContentSHA256Mismatch"), r
    names = [u["accessKey"] for u in json.loads(ok(silt.admin("--json", "user", "list")).stdout)["users"]]
    assert "tamper" not in names
    r = silt.request("PUT", "_silt", "admin/v1/users", params=[("accessKey", "signedbody")],
                     body=b'{"secretKey": "signed-body-secret"}')
    assert r.status == 200, r
    added = json.loads(r.body)
    assert re.fullmatch(r"[0-9a-f]{64}", added.pop("canonicalId")), added
    assert added == {"accessKey": "signedbody", "secretKey": "signed-body-secret", "displayName": "signedbody"}
    ok(silt.admin("user", "remove", "signedbody"))


def test_admin_api_errors_are_s3_errors(silt):
    """An unknown call or API version is 400 InvalidRequest naming it; a known call with the
    wrong method 405; a missing bucket 404 — each an S3 XML error, as docs/admin-api.md says."""
    for target, status, code_, words in (
            ("admin/v1/no-such-call", 400, "InvalidRequest", "Unknown admin API call: no-such-call"),
            ("admin/v9/users", 400, "InvalidRequest", "Unknown admin API version"),
            ("admin/v1/heal/status", 405, "MethodNotAllowed", "method is not allowed"),
    ):
        method = "DELETE" if status == 405 else "GET"
        r = silt.request(method, "_silt", target)
        assert (r.status, r.error_code()) == (status, code_), (target, r)
        assert words in r.body.decode() and "<RequestId>" in r.body.decode(), r.body
    r = silt.request("GET", "_silt", "admin/v1/usage", params=[("bucket", "no-such-bucket-here")])
    assert (r.status, r.error_code()) == (404, "NoSuchBucket"), r


# --- removal and restart (last: they change the users) -----------------------------------------

def test_removed_user_is_refused_at_once(silt, world):
    bob = world["other"]
    assert bucket_names(bob) == [world["b"]]  # a pooled connection, signed and working
    # bob owns a bucket: removal is refused unless the bucket goes to someone (here the admin).
    r = silt.admin("user", "remove", "bob")
    assert r.returncode == 1 and "DeleteConflict" in r.stderr and world["b"] in r.stderr, r.stderr
    assert ok(silt.admin("user", "remove", "bob", "--reassign-to", silt.access_key)).stdout.strip() == (
        f"removed user bob; its buckets now belong to {silt.access_key}")
    assert code(client_error(bob.list_buckets)) == ("InvalidAccessKeyId", 403)
    assert code(client_error(bob.get_object, Bucket=world["b"], Key="bobj")) == ("InvalidAccessKeyId", 403)
    names = [u["accessKey"] for u in json.loads(ok(silt.admin("--json", "user", "list")).stdout)["users"]]
    assert "bob" not in names
    # bob's bucket stays, now the admin's: the admin reaches it, alice does not.
    assert code(client_error(world["owner"].get_object, Bucket=world["b"], Key="bobj")) == ("AccessDenied", 403)


def test_users_survive_a_restart(silt, world, s3):
    path = silt.data_dir / "users.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    assert [u["accessKey"] for u in stored["users"]] == ["alice"]
    # A bucket record rewritten by a configuration change keeps its owner.
    versioned = f"alice-v-{os.urandom(3).hex()}"
    world["owner"].create_bucket(Bucket=versioned)
    world["owner"].put_bucket_versioning(Bucket=versioned, VersioningConfiguration={"Status": "Enabled"})
    silt.restart()
    alice = client(silt, "alice", ALICE_SECRET)
    assert bucket_names(alice) == sorted([world["a"], versioned])
    assert alice.get_bucket_versioning(Bucket=versioned)["Status"] == "Enabled"
    alice.delete_bucket(Bucket=versioned)
    assert bucket_names(alice) == [world["a"]]
    assert alice.get_object(Bucket=world["a"], Key="obj")["Body"].read() == b"alice's data"
    bob = client(silt, "bob", world["bob_secret"])
    assert code(client_error(bob.list_buckets)) == ("InvalidAccessKeyId", 403)
    # Ownership is in the index and survives too.
    assert code(client_error(alice.get_object, Bucket=world["b"], Key="bobj")) == ("AccessDenied", 403)
    assert s3.get_object(Bucket=world["b"], Key="bobj")["Body"].read() == b"bob's data"
    # Re-adding the name gives its new holder nothing of the old one's (issue 15).
    ok(silt.admin("user", "add", "bob", "--secret-stdin", input=world["bob_secret"] + "\n"))
    assert bucket_names(bob) == []
    assert code(client_error(bob.get_object, Bucket=world["b"], Key="bobj")) == ("AccessDenied", 403)


# --- where users live -----------------------------------------------------------------------

def test_users_file_option_and_a_damaged_file(tmp_path):
    from silt_server import SiltServer
    elsewhere = tmp_path / "keys" / "silt-users.json"
    elsewhere.parent.mkdir()
    server = SiltServer(tmp_path / "srv")
    server.start(extra_args=("--users-file", str(elsewhere)))
    try:
        _, secret = parse_key_pair(ok(server.admin("user", "add", "erin")).stdout)
        assert bucket_names(client(server, "erin", secret)) == []
        assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o600
        assert not (server.data_dir / "users.json").exists()
    finally:
        assert server.stop() == 0
    # A file silt cannot read back stops it instead of starting without its users.
    elsewhere.write_text('{"version": 1, "users": [{"accessKey": "erin"}]}')
    with pytest.raises(RuntimeError, match="users file"):
        server.start(extra_args=("--users-file", str(elsewhere)))
    server.stop()
