"""The web console (/_silt/console, issues 7 and 20): its files, its sign-in and its data
endpoints over raw HTTP, its pure-JS SigV4 against node:crypto and a real silt, the
cookie's powers (none but reading the operations panels), then everything end to end
in headless Chromium (Debian's `chromium`, driven by playwright-core from node/;
node/console.mjs, one browser for the module): the operations panels, and every flow
of the working console clicked through, each result checked through boto3. Screenshots
go to test/integration/output/ (git-ignored); their paths are printed."""
import concurrent.futures
import http.client
import json
import os
import pathlib
import shutil
import struct
import subprocess
import time
import zlib

import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from silt_server import SiltServer, bucket_name, s3_client

HERE = pathlib.Path(__file__).resolve().parent
NODE_DIR = HERE / "node"
OUTPUT = HERE / "output"
CHROMIUM = "/usr/bin/chromium"
USER_KEY, USER_SECRET = "console-alice", "alice-secret-0123456789"
MALLORY_KEY, MALLORY_SECRET = "console-mallory", "mallory-secret-0123456789"


def admin_json(silt, *args):
    r = silt.admin("--json", *args)
    assert r.returncode == 0, f"silt admin {args}: {r.returncode}\n{r.stdout}\n{r.stderr}"
    return json.loads(r.stdout) if r.stdout.strip() else None


def logs(n, seed):
    """Compressible JSON lines that are never the same twice."""
    import random
    rnd = random.Random(seed)
    return "".join(json.dumps({"i": i, "path": "/api/%d" % rnd.randrange(10**6), "status": rnd.choice([200, 404]),
                               "ms": round(rnd.random() * 900, 3)}) + "\n" for i in range(n)).encode()


@pytest.fixture(scope="module")
def silt(tmp_path_factory):
    server = SiltServer(tmp_path_factory.mktemp("silt-console"))
    server.start(["--lifecycle-day-seconds", "1", "--lifecycle-interval", "0", "--drive-check-interval", "0.3"])
    yield server
    assert server.stop() == 0, server.log_tail()


@pytest.fixture(scope="module")
def cluster(silt):
    """Objects in STANDARD and STANDARD_IA, rules that have moved and expired some
    already and will move more, and two more users (not admins)."""
    s3 = silt.boto3()
    b = bucket_name("console")
    s3.create_bucket(Bucket=b)
    for i in range(4):
        s3.put_object(Bucket=b, Key=f"logs/{i}", Body=logs(3000, i))
        s3.put_object(Bucket=b, Key=f"old/{i}", Body=logs(2000, 10 + i))
        s3.put_object(Bucket=b, Key=f"tmp/{i}", Body=b"scratch %d" % i)
    s3.put_object(Bucket=b, Key="ia/direct", Body=logs(2500, 99), StorageClass="STANDARD_IA")
    s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [
        {"ID": "archive-logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
         "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}]},
        {"ID": "move-old", "Status": "Enabled", "Filter": {"Prefix": "old/"},
         "Transitions": [{"Days": 1, "StorageClass": "STANDARD_IA"}]},
        {"ID": "expire-tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 1}},
        {"ID": "paused", "Status": "Disabled", "Filter": {"Prefix": "never/"}, "Expiration": {"Days": 1}},
    ]})
    for key, secret in ((USER_KEY, USER_SECRET), (MALLORY_KEY, MALLORY_SECRET)):
        r = silt.admin("user", "add", key, "--secret-stdin", input=secret + "\n")
        assert r.returncode == 0, r.stderr
    time.sleep(2.5)  # two lifecycle days: old/ and tmp/ are due, logs/ are not
    assert silt.admin("lifecycle", "run").returncode == 0
    last = admin_json(silt, "lifecycle", "status")["last"]
    assert last["transitioned"] == 4 and last["expired"] == 4, last
    return b


# --- raw HTTP ----------------------------------------------------------------------------

def call(silt, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", silt.port, timeout=30)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        return r.status, r.headers, data
    finally:
        c.close()


def login(silt, key, secret, content_type="application/json"):
    return call(silt, "POST", "/_silt/console/api/login", json.dumps({"accessKey": key, "secretKey": secret}),
                {"Content-Type": content_type})


def token_of(headers):
    cookies = headers.get_all("Set-Cookie") or []
    assert len(cookies) == 1, cookies
    name_value = cookies[0].split(";")[0]
    assert name_value.startswith("silt_console=")
    return name_value.split("=", 1)[1], cookies[0]


def check_security_headers(headers):
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, csp
    # The page's own scripts and same-origin calls; images also from blob: (previews).
    assert "script-src 'self';" in csp and "connect-src 'self';" in csp and "img-src 'self' data: blob:;" in csp, csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_page_and_assets_are_built_in_with_types_and_security_headers(silt):
    pages = {}
    scripts = ["console.js", "sigv4.js", "s3.js", "buckets.js", "objects.js", "upload.js", "lifecycle.js",
               "access.js"]
    for path, ctype in [("/_silt/console", "text/html"), ("/_silt/console/", "text/html"),
                        ("/_silt/console/assets/console.css", "text/css")] + \
            [("/_silt/console/assets/" + js, "text/javascript") for js in scripts]:
        status, h, body = call(silt, "GET", path)
        assert status == 200, (path, status, body[:200])
        assert h["Content-Type"].split(";")[0] == ctype, (path, h["Content-Type"])
        check_security_headers(h)
        assert h["Cache-Control"] == "no-cache" and h["ETag"].startswith('"')
        assert int(h["Content-Length"]) == len(body) > 500
        pages[path] = (h["ETag"], body)
        # Revalidation: the same ETag gets 304 and no body.
        status, h2, body2 = call(silt, "GET", path, headers={"If-None-Match": h["ETag"]})
        assert (status, body2, h2["ETag"]) == (304, b"", h["ETag"])
        status, h3, body3 = call(silt, "HEAD", path)
        assert status == 200 and body3 == b"" and int(h3["Content-Length"]) == len(body)
    assert pages["/_silt/console"] == pages["/_silt/console/"]
    # Everything comes from silt itself: no http(s) URL other than the SVG namespace name.
    for _, body in pages.values():
        text = body.decode().replace("http://www.w3.org/2000/svg", "")
        assert "http://" not in text and "https://" not in text and "//cdn" not in text
    html = pages["/_silt/console"][1].decode()
    for js in scripts:
        assert f'src="/_silt/console/assets/{js}"' in html
    assert "<script>" not in html and "style=" not in html  # no inline script or style (CSP)
    assert call(silt, "GET", "/_silt/console/assets/nope.js")[0] == 404
    assert call(silt, "GET", "/_silt/console/other")[0] == 404
    assert call(silt, "POST", "/_silt/console/assets/console.js", body=b"x")[0] == 405


@pytest.mark.parametrize("name", ["status", "usage", "lifecycle", "heal", "simulate", "requests", "session"])
def test_data_endpoints_refuse_requests_without_a_valid_cookie(silt, name):
    forged = os.urandom(32).hex()
    for headers in ({}, {"Cookie": "silt_console=" + forged}, {"Cookie": "silt_console=garbage"},
                    {"Cookie": "other=1; silt_console=; x=" + forged}):
        status, h, body = call(silt, "GET", "/_silt/console/api/" + name, headers=headers)
        assert status == 403, (name, headers, status, body)
        assert json.loads(body)["error"] == "AccessDenied"
        check_security_headers(h)
        assert "Set-Cookie" not in h


def test_login_refuses_bad_bodies(silt):
    for body, ctype in (("{not json", "application/json"), ("[]", "application/json"),
                        ('{"accessKey": "a"}', "application/json"),
                        ('{"accessKey": 1, "secretKey": 2}', "application/json"),
                        (json.dumps({"accessKey": silt.access_key, "secretKey": silt.secret_key}),
                         "application/x-www-form-urlencoded")):
        status, h, data = call(silt, "POST", "/_silt/console/api/login", body, {"Content-Type": ctype})
        assert status == 400, (body, ctype, status, data)
        assert json.loads(data)["error"] == "BadRequest" and "Set-Cookie" not in h
    assert call(silt, "GET", "/_silt/console/api/login")[0] == 405
    status, _, _ = call(silt, "POST", "/_silt/console/api/login", b"x" * 20000, {"Content-Type": "application/json"})
    assert status == 413


def test_wrong_secrets_and_non_admins_get_no_cookie(silt, cluster):
    started = time.monotonic()
    status, h, body = login(silt, silt.access_key, "wrong-secret-000")
    assert time.monotonic() - started >= 0.9  # failures are slowed down
    assert status == 401 and "Set-Cookie" not in h, body
    assert json.loads(body)["message"] == "Wrong access key or secret key"
    status, h, body = login(silt, "no-such-key", "whatever-secret")
    assert status == 401 and json.loads(body)["message"] == "Wrong access key or secret key"
    # Any user may sign in (the page then signs S3 calls with that key); only the admin
    # gets the cookie of the operations panels.
    status, h, body = login(silt, USER_KEY, USER_SECRET)
    assert status == 200 and "Set-Cookie" not in h, body
    assert json.loads(body) == {"user": USER_KEY, "admin": False, "region": silt.region}


def test_repeated_failures_throttle_the_key_from_that_address(silt, cluster):
    # Attempts count before the secret is checked: of 15 guesses at once, 10 are answered
    # 401 and the rest, over the limit, TooManyAttempts (a few after waiting their turn).
    with concurrent.futures.ThreadPoolExecutor(15) as pool:
        statuses = list(pool.map(lambda i: login(silt, MALLORY_KEY, f"wrong-{i}-secret")[0], range(15)))
    assert sorted(statuses) == [401] * 10 + [429] * 5, statuses
    status, h, body = login(silt, MALLORY_KEY, "wrong-again-secret")
    assert status == 429 and "Set-Cookie" not in h and json.loads(body)["error"] == "TooManyAttempts"
    # The right secret is never locked out: it signs in (not the admin: no cookie).
    status, h, body = login(silt, MALLORY_KEY, MALLORY_SECRET)
    assert status == 200 and "Set-Cookie" not in h and json.loads(body)["admin"] is False, body
    assert login(silt, silt.access_key, silt.secret_key)[0] == 200  # other keys are not affected


def test_admin_session_reads_the_admin_api_json(silt, cluster):
    status, h, body = login(silt, silt.access_key, silt.secret_key)
    assert status == 200, body
    check_security_headers(h)
    token, cookie = token_of(h)
    assert len(token) == 64 and int(token, 16) >= 0
    attrs = [a.strip() for a in cookie.split(";")[1:]]
    assert "HttpOnly" in attrs and "SameSite=Strict" in attrs and "Path=/_silt/console" in attrs
    assert "Secure" not in attrs  # plain HTTP here
    assert "Max-Age=43200" in attrs  # 12 hours
    jar = {"Cookie": "silt_console=" + token}

    def get(name, query=""):
        status, h, body = call(silt, "GET", f"/_silt/console/api/{name}{'?' + query if query else ''}", headers=jar)
        assert h["Cache-Control"] == "no-store"
        return status, json.loads(body)

    assert get("session") == (200, {"user": silt.access_key, "admin": True, "region": silt.region})
    # The same documents the admin API gives (the parts that do not move between calls).
    status, st = get("status")
    ref = admin_json(silt, "status")
    assert status == 200
    assert [(d["slot"], d["state"], d["path"]) for d in st["drives"]] == \
        [(d["slot"], d["state"], d["path"]) for d in ref["drives"]]
    assert st["pools"] == ref["pools"]
    assert get("usage") == (200, admin_json(silt, "usage"))
    lc = get("lifecycle")[1]
    ref = admin_json(silt, "lifecycle", "status")
    assert lc["buckets"] == ref["buckets"] and lc["last"] == ref["last"]
    status, sim = get("simulate", f"bucket={cluster}&days=30%2C90")
    assert status == 200 and [x["days"] for x in sim["horizons"]] == [30, 90]
    assert sim["now"] == admin_json(silt, "lifecycle", "simulate", "--bucket", cluster, "--days", "30,90")["now"]
    status, heal = get("heal")
    assert status == 200 and heal["backlog"] == 0 and "scrub" in heal
    # Errors come back as JSON with the admin API's status.
    status, err = get("simulate", "bucket=no-such-bucket-x")
    assert status == 404 and err["error"] == "NoSuchBucket"
    # The request counters, once server/metrics is connected; until then 503 ("no data").
    status, req = get("requests")
    assert status in (200, 503), req
    if status == 200:
        assert set(req["totals"]) >= {"requests", "errors", "bytes_in", "bytes_out"} and req["now_ms"] > 0
        # A request is counted once its answer is written, which may be after the client has
        # read it: the count of the first read shows up in a later one.
        deadline = time.time() + 10
        while get("requests")[1]["totals"]["requests"] <= req["totals"]["requests"]:
            assert time.time() < deadline, "the request counter never rose"
            time.sleep(0.1)
    assert get("nope")[0] == 404
    # Read-only: nothing but GET.
    for name in ("status", "usage", "heal"):
        assert call(silt, "POST", "/_silt/console/api/" + name, b"{}", jar)[0] == 405
    # Sign-out takes JSON only, as sign-in: another origin's form cannot end a session.
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        status, h, body = call(silt, "POST", "/_silt/console/api/logout", b"", dict(jar, **{"Content-Type": ctype}))
        assert status == 400 and json.loads(body)["error"] == "BadRequest" and "Set-Cookie" not in h
    assert get("session")[0] == 200
    # Signing out ends the session on the server, not only in the browser.
    status, h, _ = call(silt, "POST", "/_silt/console/api/logout", b"",
                        dict(jar, **{"Content-Type": "application/json"}))
    assert status == 200 and "Max-Age=0" in h["Set-Cookie"]
    assert get("status")[0] == 403


# --- the browser -------------------------------------------------------------------------

def browser_missing():
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing (apt package chromium; scripts/install-deps.sh --test)"
    if not (NODE_DIR / "node_modules" / "playwright-core").is_dir():
        return "node/node_modules/playwright-core is missing (scripts/install-deps.sh --test)"
    if shutil.which("node") is None:
        return "node is not on PATH"
    return None


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    return struct.unpack(">II", data[16:24]), len(data)


def class_totals(usage):
    out = {}
    for b in usage["buckets"]:
        for c in b["classes"]:
            t = out.setdefault(c["storage_class"], {"objects": 0, "logical_bytes": 0, "stored_bytes": 0,
                                                    "monthly_cost": 0.0})
            for k in ("objects", "logical_bytes", "stored_bytes"):
                t[k] += c[k]
            t["monthly_cost"] += c["monthly_cost"]
    return out


def node_missing():
    return "node is not on PATH" if shutil.which("node") is None else None


def client(silt, key, secret):
    return s3_client(
        endpoint_url=silt.endpoint, aws_access_key_id=key, aws_secret_access_key=secret,
        region_name=silt.region, config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                               retries={"total_max_attempts": 1}))


def error_of(fn, *args, **kwargs):
    with pytest.raises(ClientError) as e:
        fn(*args, **kwargs)
    return e.value.response["Error"]["Code"], e.value.response["Error"].get("Message", "")


# --- the page's signing ---------------------------------------------------------------------

@pytest.mark.skipif(node_missing() is not None, reason=node_missing() or "")
def test_pure_js_sigv4_matches_node_crypto_and_silt(silt):
    """sigv4.js (crypto.subtle is missing on plain-http LAN addresses, so the page hashes
    in JS): SHA-256/HMAC equal node:crypto at every length around the block sizes, and
    silt accepts its header signatures and presigned URLs for awkward keys."""
    s3 = silt.boto3()
    b = bucket_name("console-sign")
    s3.create_bucket(Bucket=b)
    env = dict(os.environ, ENDPOINT=silt.endpoint, KEY=silt.access_key, SECRET=silt.secret_key, REGION=silt.region,
               BUCKET=b, NODE_NO_WARNINGS="1")
    r = subprocess.run(["node", str(NODE_DIR / "sigv4_check.mjs")], cwd=NODE_DIR, env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout)
    assert out["lengths"] > 300 and out["mismatches"] == [], out["mismatches"]
    assert set(out["puts"].values()) == {200}, out["puts"]
    for key in out["puts"]:
        o = s3.get_object(Bucket=b, Key=key)
        assert o["Body"].read() == ("body of " + key).encode()
        assert o["Metadata"] == {"note": "plain ascii, as fetch sends headers as bytes"}
        assert s3.get_object_tagging(Bucket=b, Key=key)["TagSet"] == [{"Key": "k", "Value": "v w"},
                                                                      {"Key": "x", "Value": "y"}]
    assert out["list_status"] == 200 and out["list_keys"] == ["quote's (paren) *star*!.txt"], out
    assert out["presigned_status"] == 200 and out["presigned_body"] == "body of quote's (paren) *star*!.txt"
    assert out["presigned_type"] == "text/plain; charset=utf-8"
    assert out["tampered_status"] == 403 and "<Code>SignatureDoesNotMatch</Code>" in out["tampered_body"]
    assert silt.alive() and s3.head_bucket(Bucket=b)


def test_the_console_cookie_alone_changes_nothing(silt, cluster):
    """CSRF-safe by construction: S3 and the admin API ignore the console cookie, so a
    request that carries only the cookie is anonymous and refused; the console's own API
    takes no writes."""
    s3 = silt.boto3()
    status, h, _ = login(silt, silt.access_key, silt.secret_key)
    assert status == 200
    jar = {"Cookie": "silt_console=" + token_of(h)[0]}
    before = [o["Key"] for o in s3.list_objects_v2(Bucket=cluster)["Contents"]]
    attempts = [
        ("PUT", f"/{cluster}/planted.txt", b"x", {}),
        ("DELETE", f"/{cluster}/tmp-not-there", b"", {}),
        ("DELETE", f"/{cluster}/logs/0", b"", {}),
        ("POST", f"/{cluster}?delete", b"<Delete><Object><Key>logs/0</Key></Object></Delete>",
         {"Content-Type": "text/plain"}),
        ("PUT", f"/{cluster}?versioning", b"<VersioningConfiguration><Status>Enabled</Status>"
         b"</VersioningConfiguration>", {}),
        ("DELETE", f"/{cluster}?lifecycle", b"", {}),
        ("PUT", "/console-csrf-bucket", b"", {}),
        ("PUT", "/_silt/admin/v1/users?accessKey=csrf-user", b"", {}),
        ("POST", "/_silt/admin/v1/lifecycle/run", b"", {}),
    ]
    for method, path, body, extra in attempts:
        status, h, data = call(silt, method, path, body, dict(jar, **extra))
        assert status == 403 and b"<Code>AccessDenied</Code>" in data, (method, path, status, data[:300])
    # The console API: no method but GET on its data endpoints, even with the cookie.
    for name in ("status", "usage", "lifecycle", "simulate", "heal"):
        status, _, data = call(silt, "POST", "/_silt/console/api/" + name, b"{}",
                               dict(jar, **{"Content-Type": "application/json"}))
        assert status == 405 and json.loads(data)["error"] == "MethodNotAllowed"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=cluster)["Contents"]] == before
    assert s3.get_bucket_versioning(Bucket=cluster).get("Status") is None
    assert len(s3.get_bucket_lifecycle_configuration(Bucket=cluster)["Rules"]) == 4
    assert "console-csrf-bucket" not in [x["Name"] for x in s3.list_buckets()["Buckets"]]
    assert "csrf-user" not in [u["accessKey"] for u in admin_json(silt, "user", "list")["users"]]


def test_admin_api_simulates_unsaved_lifecycle_rules(silt, cluster):
    """POST lifecycle/simulate (the console's review before saving): the body's rules are
    simulated, validated as PutBucketLifecycleConfiguration would, and never stored."""
    s3 = silt.boto3()
    b = bucket_name("console-sim")
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="logs/a", Body=logs(2000, 5))
    path = ("_silt", "admin/v1/lifecycle/simulate")
    doc = (b"<LifecycleConfiguration><Rule><ID>r</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status>"
           b"<Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition></Rule>"
           b"</LifecycleConfiguration>")
    r = silt.request("POST", *path, params=[("bucket", b), ("days", "10,60")], body=doc)
    assert r.status == 200, r.text
    sim = json.loads(r.body)
    assert [h["days"] for h in sim["horizons"]] == [10, 60]
    assert sim["horizons"][0]["transitioned_objects"] == 0 and sim["horizons"][1]["transitioned_objects"] == 1
    assert error_of(s3.get_bucket_lifecycle_configuration, Bucket=b)[0] == "NoSuchLifecycleConfiguration"
    # GET still simulates the stored rules: there are none.
    r = silt.request("GET", *path, params=[("bucket", b)])
    assert r.status == 404 and "<Code>NoSuchLifecycleConfiguration</Code>" in r.text
    for body, status, code in ((b"<LifecycleConfiguration><Rule>", 400, "MalformedXML"),
                               (doc.replace(b"STANDARD_IA", b"NO_SUCH_CLASS"), 400, "MalformedXML"),
                               (doc.replace(b"<Days>30</Days>", b"<Days>-1</Days>"), 400, "InvalidArgument"),
                               (b"x" * (64 * 1024 + 1), 400, "EntityTooLarge")):
        r = silt.request("POST", *path, params=[("bucket", b)], body=body)
        assert r.status == status and f"<Code>{code}</Code>" in r.text, (code, r.status, r.text)
    assert error_of(s3.get_bucket_lifecycle_configuration, Bucket=b)[0] == "NoSuchLifecycleConfiguration"
    assert silt.alive() and s3.head_bucket(Bucket=b)


# --- the browser: every flow ---------------------------------------------------------------

def png_bytes(w, h):
    """A real PNG, w x h pixels of a gradient."""
    raw = b"".join(b"\x00" + b"".join(bytes((x * 40 % 256, y * 60 % 256, 128)) for x in range(w)) for y in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


LARGE = 20 * 1024 * 1024


def large_bytes():
    return (bytes(range(251)) * (LARGE // 251 + 1))[:LARGE]


def console_files(d):
    files = {
        "hello.txt": "".join(f"line {i:05d} of the hello file\n" for i in range(400)).encode(),  # > 8 KiB
        "table.csv": b'name,size,note\nalpha,1,"quoted, with comma"\nbeta,22,plain\ngamma,333,"say ""hi"""\n',
        "data.json": json.dumps({"service": "silt", "ok": True, "list": [1, 2, 3]}).encode(),
        "pic.png": png_bytes(7, 5),
    }
    for name, data in files.items():
        (d / name).write_bytes(data)
    (d / "v2").mkdir()
    files["hello-v2"] = b"the second version of hello\n"
    (d / "v2" / "hello.txt").write_bytes(files["hello-v2"])
    return files


def versions_of(s3, bucket, key):
    r = s3.list_object_versions(Bucket=bucket, Prefix=key)
    return ([v["VersionId"] for v in r.get("Versions", []) if v["Key"] == key],
            [m["VersionId"] for m in r.get("DeleteMarkers", []) if m["Key"] == key])


@pytest.fixture(scope="module")
def browser_run(silt, cluster, tmp_path_factory):
    """Runs node/console.mjs once; between its steps the test checks the server through
    boto3 (recorded as step["seen"]) or changes it. Returns the steps by name."""
    missing = browser_missing()
    if missing:
        pytest.skip(missing)
    OUTPUT.mkdir(exist_ok=True)
    for old in OUTPUT.glob("console*"):
        old.unlink()
    files_dir = tmp_path_factory.mktemp("console-files")
    files = console_files(files_dir)
    work = bucket_name("console-work")
    s3 = silt.boto3()
    alice = client(silt, USER_KEY, USER_SECRET)
    env = dict(os.environ, ENDPOINT=silt.endpoint, ADMIN_KEY=silt.access_key, ADMIN_SECRET=silt.secret_key,
               USER_KEY=USER_KEY, USER_SECRET=USER_SECRET, OFFLINE_SLOT="2", SCREENSHOT_DIR=str(OUTPUT),
               CHROMIUM=CHROMIUM, NODE_NO_WARNINGS="1", FILES_DIR=str(files_dir), WORK_BUCKET=work)
    victim = silt.drives()[1]
    saved = victim.with_name(victim.name + ".saved")
    anon = lambda key: requests.get(f"{silt.endpoint}/{work}/{key}", timeout=10)  # noqa: E731
    snapshot = {}

    def restore_drive():
        if saved.exists():
            victim.unlink()
            saved.rename(victim)
        for _ in range(100):
            if all(d["state"] == "online" for d in admin_json(silt, "status")["drives"]):
                return True
            time.sleep(0.1)
        return False

    def on(name, st):
        seen = {}
        if name == "dashboard":
            seen["usage"] = admin_json(silt, "usage")  # what the page showed must be this
            victim.rename(saved)  # replaced by a plain file: unreadable, offline
            victim.write_bytes(b"not a drive")
        elif name == "offline":
            seen["back_online"] = restore_drive()
        elif name == "buckets_list":
            seen["usage"] = admin_json(silt, "usage")
        elif name == "bucket_created":
            seen["exists"] = s3.head_bucket(Bucket=work)["ResponseMetadata"]["HTTPStatusCode"] == 200
        elif name in ("versioning_enabled", "versioning_suspended"):
            seen["status"] = s3.get_bucket_versioning(Bucket=work).get("Status")
        elif name == "uploaded":
            for key in ("hello.txt", "table.csv", "data.json", "pic.png"):
                o = s3.get_object(Bucket=work, Key=key)
                seen[key] = {"same": o["Body"].read() == files[key], "type": o["ContentType"],
                             "version": o.get("VersionId")}
        elif name == "multipart":
            o = s3.get_object(Bucket=work, Key="big/large.bin")
            body = o["Body"].read()
            seen = {"same": body == large_bytes(), "size": len(body), "etag": o["ETag"],
                    "uploads_left": len(s3.list_multipart_uploads(Bucket=work).get("Uploads", []))}
        elif name == "search":
            s3.put_object(Bucket=work, Key="tagged.txt", Body=b"tagged body\n", ContentType="text/plain",
                          Metadata={"owner": "qa-team"}, Tagging="team=data&stage=raw", ChecksumAlgorithm="SHA256")
            seen["head"] = {k: v for k, v in s3.head_object(Bucket=work, Key="tagged.txt", ChecksumMode="ENABLED")
                            .items() if k in ("ETag", "ChecksumSHA256", "ContentLength", "VersionId")}
        elif name in ("share", "keyboard"):
            url = st["url"] if name == "share" else st["share_url"]
            r = requests.get(url, timeout=10)
            seen = {"status": r.status_code, "body": r.content.decode(errors="replace"),
                    "anonymous": anon("hello.txt").status_code}
        elif name == "download":
            seen["same"] = pathlib.Path(st["path"]).read_bytes() == files["hello.txt"]
        elif name in ("versions_before", "restored", "version_deleted", "object_deleted"):
            seen["versions"], seen["markers"] = versions_of(s3, work, "hello.txt")
            if name != "object_deleted":
                seen["body"] = s3.get_object(Bucket=work, Key="hello.txt")["Body"].read().decode()
            else:
                seen["head"] = error_of(s3.head_object, Bucket=work, Key="hello.txt")[0]
        elif name == "all_versions_deleted":
            seen["versions"], seen["markers"] = versions_of(s3, work, "table.csv")
        elif name == "lc_simulated":
            seen["stored"] = error_of(s3.get_bucket_lifecycle_configuration, Bucket=work)[0]
        elif name == "lc_saved":
            seen["rules"] = s3.get_bucket_lifecycle_configuration(Bucket=work)["Rules"]
            seen["simulate"] = admin_json(silt, "lifecycle", "simulate", "--bucket", work)
        elif name == "lc_invalid":
            seen["rules"] = [r["ID"] for r in s3.get_bucket_lifecycle_configuration(Bucket=work)["Rules"]]
            seen["boto3"] = error_of(s3.put_bucket_lifecycle_configuration, Bucket=work, LifecycleConfiguration={
                "Rules": [{"ID": "bad-class", "Status": "Enabled", "Filter": {"Prefix": ""},
                           "Transitions": [{"Days": 10, "StorageClass": "NO_SUCH_CLASS"}]}]})
        elif name == "policy_public":
            seen["public"] = s3.get_bucket_policy_status(Bucket=work)["PolicyStatus"]["IsPublic"]
            seen["anonymous"] = anon("data.json").status_code
        elif name == "policy_user":
            seen["alice"] = alice.get_object(Bucket=work, Key="data.json")["Body"].read() == files["data.json"]
            seen["alice_list"] = [o["Key"] for o in alice.list_objects_v2(Bucket=work).get("Contents", [])]
            seen["alice_put"] = error_of(alice.put_object, Bucket=work, Key="by-alice", Body=b"x")[0]
            seen["anonymous"] = anon("data.json").status_code
            seen["policy"] = json.loads(s3.get_bucket_policy(Bucket=work)["Policy"])
        elif name == "policy_invalid":
            seen["policy"] = json.loads(s3.get_bucket_policy(Bucket=work)["Policy"])
            seen["boto3"] = {k: error_of(s3.put_bucket_policy, Bucket=work, Policy=v["doc"]) for k, v in st.items()
                             if k in ("bad_json", "bad_resource")}
        elif name == "policy_private":
            seen["policy"] = error_of(s3.get_bucket_policy, Bucket=work)[0]
            seen["anonymous"] = anon("data.json").status_code
        elif name == "user_added":
            bob = client(silt, "console-bob", st["secret"])
            seen["bob_lists"] = bob.list_buckets()["ResponseMetadata"]["HTTPStatusCode"]
        elif name == "user_invalid":
            carol = client(silt, "console-carol", "carol-chosen-secret-42")
            seen["carol_lists"] = carol.list_buckets()["ResponseMetadata"]["HTTPStatusCode"]
            seen["users"] = [u["accessKey"] for u in admin_json(silt, "user", "list")["users"]]
        elif name == "user_removed":
            seen["users"] = [u["accessKey"] for u in admin_json(silt, "user", "list")["users"]]
            seen["bob"] = error_of(client(silt, "console-bob", "whatever-secret-1").list_buckets)[0]
        elif name == "bucket_deleted":
            seen["gone"] = error_of(s3.head_bucket, Bucket=work + "-gone")[0]
            seen["work"] = s3.head_bucket(Bucket=work)["ResponseMetadata"]["HTTPStatusCode"]
        elif name == "phone":
            seen["created"] = s3.head_bucket(Bucket=work + "-phone")["ResponseMetadata"]["HTTPStatusCode"]
        elif name == "non_admin":
            seen["alice_buckets"] = [x["Name"] for x in alice.list_buckets()["Buckets"]]
            r = s3.list_objects_v2(Bucket=work)
            snapshot["objects"] = sorted((o["Key"], o["ETag"]) for o in r["Contents"])
            snapshot["versions"] = versions_of(s3, work, "")
            snapshot["users"] = [u["accessKey"] for u in admin_json(silt, "user", "list")["users"]]
        elif name == "csrf":
            r = s3.list_objects_v2(Bucket=work)
            seen["objects_same"] = sorted((o["Key"], o["ETag"]) for o in r["Contents"]) == snapshot["objects"]
            seen["versions_same"] = versions_of(s3, work, "") == snapshot["versions"]
            seen["users_same"] = [u["accessKey"] for u in admin_json(silt, "user", "list")["users"]] == \
                snapshot["users"]
            seen["alive"] = silt.alive()
        return seen

    steps = {}
    stderr_path = silt.workdir / "console-node.err"
    with open(stderr_path, "w") as err:
        proc = subprocess.Popen(["node", str(NODE_DIR / "console.mjs")], cwd=NODE_DIR, env=env, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
    started = time.monotonic()
    try:
        for line in proc.stdout:
            st = json.loads(line)
            st["seen"] = on(st["step"], st)
            steps[st["step"]] = st
            proc.stdin.write("ok\n")
            proc.stdin.flush()
            if time.monotonic() - started > 420:
                break
        proc.stdin.close()
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        restore_drive()
    print(f"browser run: {time.monotonic() - started:.1f} s, {len(steps)} steps")
    assert code == 0, f"node console.mjs exited {code}\n{stderr_path.read_text()[-3000:]}\nsteps: {list(steps)}"
    steps["_files"] = files
    steps["_work"] = work
    return steps


def test_dashboard_in_headless_chromium(silt, cluster, browser_run):
    """The operations panels (issue 7) stay, now behind the Operations tab."""
    steps = browser_run

    s = steps["wrong_secret"]
    assert "Wrong access key or secret key" in s["error"] and s["cookies"] == 0, s
    assert not s["dashboard_visible"] and not s["browser_visible"], s

    d = steps["dashboard"]
    assert d["user"] == silt.access_key + " (admin)"
    assert [(x["slot"], x["state"]) for x in d["drives"]] == [(i, "online") for i in range(1, 7)]
    assert d["drives_summary"].startswith("6 online, 0 healing, 0 offline")
    assert {p["name"] for p in d["pools"]} == {"standard", "cold"}
    assert all("yes" in p["text"] for p in d["pools"])
    # Per-class figures are exactly the admin API's usage, summed over buckets.
    expected = class_totals(d["seen"]["usage"])
    shown = {c["storage_class"]: {k: c[k] for k in ("objects", "logical_bytes", "stored_bytes", "monthly_cost")}
             for c in d["classes"]}
    assert set(shown) == {"STANDARD", "STANDARD_IA"}
    for cls, t in expected.items():
        assert shown[cls]["objects"] == t["objects"] and shown[cls]["stored_bytes"] == t["stored_bytes"]
        assert shown[cls]["logical_bytes"] == t["logical_bytes"]
        assert shown[cls]["monthly_cost"] == pytest.approx(t["monthly_cost"], rel=1e-12)
    assert d["cost_bars"] == 2
    rules = {(r["bucket"], r["id"]): r for r in d["rules"]}
    assert {k[1] for k in rules} == {"archive-logs", "move-old", "expire-tmp", "paused"}
    assert rules[(cluster, "paused")]["status"] == "Disabled"
    assert rules[(cluster, "move-old")]["text"].split("\t")[4] == "4"  # transitioned
    assert "4 versions moved" in d["saved_so_far"] and "4 expired" in d["saved_so_far"]
    # Saved so far, per month: the non-STANDARD data priced in STANDARD's pool (4+2, no
    # compression), less what it costs where it is.
    pools = {p["name"]: p for p in d["seen"]["usage"]["pools"]}
    std = pools["standard"]
    per_byte = std["price_per_tb_month"] / 1e12 * (std["k"] + std["m"]) / std["k"]
    ia = expected["STANDARD_IA"]
    want = ia["logical_bytes"] * per_byte - ia["monthly_cost"]
    assert want > 0 and d["saved_per_month"] == pytest.approx(want, rel=1e-9)
    assert "less than it would in STANDARD" in d["saved_so_far"]
    # The projection: now, then 30/90/365 days, with logs/ moved by then: cheaper.
    assert d["savings_labels"] == ["now", "in 30 days", "in 90 days", "in 365 days"]
    sim = admin_json(silt, "lifecycle", "simulate", "--bucket", cluster)
    assert d["savings_now"] == pytest.approx(sim["now"]["monthly_cost"], rel=1e-12)
    assert sim["horizons"][0]["monthly_cost"] < sim["now"]["monthly_cost"]
    assert "saves" in d["savings"][1]
    assert d["backlog"] == "0"
    # HttpOnly: the page's script cannot read the token.
    assert "silt_console" not in d["document_cookie"]
    c = d["cookie"]
    assert c["httpOnly"] and c["sameSite"] == "Strict" and c["path"] == "/_silt/console"

    off = steps["offline"]
    states = {x["slot"]: x["state"] for x in off["drives"]}
    assert states[2] == "offline" and all(states[i] == "online" for i in (1, 3, 4, 5, 6)), off
    assert off["summary"].startswith("5 online, 0 healing, 1 offline")

    # Rates need two samples: by now (after the drive went offline) the page has several.
    _, h, _ = login(silt, silt.access_key, silt.secret_key)
    counters = call(silt, "GET", "/_silt/console/api/requests", headers={"Cookie": "silt_console=" + token_of(h)[0]})[0]
    if counters == 503:
        assert off["requests"].startswith("no data"), off["requests"]
    else:
        assert " requests/s, " in off["requests"] and off["request_lines"] == 2, off


    for name in ("console.png", "console-offline.png"):
        (w, h), size = png_size(OUTPUT / name)
        assert w == 1400 and h >= 1000 and size > 30000, (name, w, h, size)
        print(f"screenshot: {OUTPUT / name} ({w}x{h}, {size} bytes)")
    assert steps["offline"]["seen"]["back_online"]


def test_buckets_create_versioning_totals_delete(silt, cluster, browser_run):
    steps, work = browser_run, browser_run["_work"]
    # Totals per bucket and class: the admin API's usage, as the admin sees them.
    rows = {r["bucket"]: r for r in steps["buckets_list"]["rows"]}
    usage = {b["bucket"]: b for b in steps["buckets_list"]["seen"]["usage"]["buckets"]}
    u = usage[cluster]
    assert int(rows[cluster]["objects"]) == sum(c["objects"] for c in u["classes"])
    assert int(rows[cluster]["bytes"]) == sum(c["logical_bytes"] for c in u["classes"])
    assert rows[cluster]["classes"] == "STANDARD,STANDARD_IA" and rows[cluster]["versioning"] == "Off"
    created = steps["bucket_created"]
    assert created["seen"]["exists"] and work in [r["bucket"] for r in created["rows"]]
    assert created["notice"] == f"Bucket {work} created."
    assert steps["versioning_enabled"]["seen"]["status"] == "Enabled"
    assert steps["versioning_suspended"]["seen"]["status"] == "Suspended"
    assert steps["versioning_suspended"]["button"] == "Enable versioning"
    d = steps["bucket_deleted"]
    assert d["not_empty"].startswith("BucketNotEmpty: "), d
    assert work + "-gone" in d["before"] and work + "-gone" not in d["after"] and work in d["after"]
    assert d["seen"] == {"gone": "404", "work": 200}


def test_uploads_picker_and_drop_with_multipart_and_progress(browser_run):
    steps, files = browser_run, browser_run["_files"]
    up = steps["uploaded"]
    assert sorted(u["key"] for u in up["uploads"]) == ["data.json", "hello.txt", "pic.png", "table.csv"]
    assert all(u["state"] == "done" for u in up["uploads"]), up["uploads"]
    for key, want in (("hello.txt", "text/plain"), ("table.csv", "text/csv"), ("data.json", "application/json"),
                      ("pic.png", "image/png")):
        assert up["seen"][key]["same"] and up["seen"][key]["type"] == want, (key, up["seen"][key])
        assert up["seen"][key]["version"] not in (None, "null")  # versioning was on
    assert up["notice"] == f"Uploaded 4 of 4 files to {browser_run['_work']}/."
    m = steps["multipart"]
    assert m["drop_target"] == browser_run["_work"] + "/big/"
    assert m["state"] == "done" and m["parts"] == "3", m  # 20 MiB in 8 MiB parts
    assert m["seen"]["same"] and m["seen"]["size"] == LARGE and m["seen"]["etag"].endswith('-3"'), m["seen"]
    assert m["seen"]["uploads_left"] == 0
    assert m["value"] == m["max"] == LARGE
    partway = [v for v in m["samples"] if 0 < v < LARGE]
    assert partway, "the progress bar never showed a value between 0 and the size"
    assert m["samples"] == sorted(m["samples"])  # it only moves forward
    print(f"multipart upload of 20 MiB from the page: {m['seconds']:.1f} s, {len(set(partway))} progress values")
    f = steps["folders"]
    assert [(r["kind"], r["key"]) for r in f["root"] if r["kind"] == "folder"] == [("folder", "big/")]
    assert [r["key"] for r in f["big"]] == ["big/large.bin"]
    assert f["crumbs"].endswith(" / big"), f["crumbs"]
    s = steps["sorted"]
    sizes = {k: len(v) for k, v in files.items() if k != "hello-v2"}
    objects = sorted(sizes, key=lambda k: (sizes[k], k))
    assert s["asc"] == ["big/"] + objects and s["desc"] == ["big/"] + objects[::-1], s  # folders first
    assert s["aria_sort"] == "descending"
    assert steps["search"]["keys"] == ["data.json"]


def test_object_metadata_tags_checksums_and_previews(browser_run):
    steps, files = browser_run, browser_run["_files"]
    o = steps["object_meta"]
    head = steps["search"]["seen"]["head"]  # tagged.txt, as boto3 stored it
    assert o["meta"]["etag"] == head["ETag"] and o["meta"]["content-type"] == "text/plain"
    assert o["meta"]["checksum-sha256"] == head["ChecksumSHA256"]
    assert o["meta"]["meta-owner"] == "qa-team" and o["meta"]["version"] == head["VersionId"]
    assert o["meta"]["size"].endswith(f"({head['ContentLength']} bytes)")
    assert o["tags"] == {"team": "data", "stage": "raw"}
    p = steps["previews"]
    assert p["text"]["body"] == files["hello.txt"][:8192].decode()  # a Range GET of the head
    assert p["text"]["note"] == f"The first 8192 of {len(files['hello.txt'])} bytes."
    assert p["csv"] == [["name", "size", "note"], ["alpha", "1", "quoted, with comma"], ["beta", "22", "plain"],
                        ["gamma", "333", 'say "hi"']]
    assert json.loads(p["json"]) == json.loads(files["data.json"]) and "\n  " in p["json"]  # pretty-printed
    assert p["image"]["src"].startswith("blob:") and (p["image"]["width"], p["image"]["height"]) == (7, 5)


def test_share_link_and_download(silt, browser_run):
    steps, files = browser_run, browser_run["_files"]
    sh = steps["share"]
    assert sh["url"].startswith(silt.endpoint + f"/{browser_run['_work']}/hello.txt?")
    assert "X-Amz-Expires=86400" in sh["url"] and "X-Amz-Signature=" in sh["url"]
    assert sh["seen"]["status"] == 200 and sh["seen"]["body"] == files["hello.txt"].decode()
    assert sh["seen"]["anonymous"] == 403  # the link works, the bucket is not public
    dl = steps["download"]
    assert dl["seen"]["same"] and dl["filename"] == "hello.txt"


def test_versions_restore_and_delete(browser_run):
    steps, files = browser_run, browser_run["_files"]
    before = steps["versions_before"]
    assert len(before["versions"]) == 2 and before["seen"]["body"] == files["hello-v2"].decode()
    assert [v["version"] for v in before["versions"]] == before["seen"]["versions"]
    first = before["versions"][1]["version"]
    r = steps["restored"]
    # A copy of the old version on top: three versions, the newest with the old bytes.
    assert len(r["seen"]["versions"]) == 3 and r["seen"]["body"] == files["hello.txt"].decode()
    assert r["seen"]["versions"][2] == first and r["preview"] == files["hello.txt"][:8192].decode()
    d = steps["version_deleted"]
    assert d["deleted"] == first and first not in d["seen"]["versions"] and len(d["seen"]["versions"]) == 2
    od = steps["object_deleted"]
    assert od["seen"]["head"] == "404" and len(od["seen"]["markers"]) == 1 and len(od["seen"]["versions"]) == 2
    assert "hello.txt" not in [x["key"] for x in od["objects"]] and od["panel_hidden"]
    ad = steps["all_versions_deleted"]
    assert ad["seen"] == {"versions": [], "markers": []} and "table.csv" not in [x["key"] for x in ad["objects"]]
    listing = [(x["key"], x["kind"]) for x in steps["versions_listing"]["rows"] if x["key"] == "hello.txt"]
    assert sorted(listing) == [("hello.txt", "delete-marker"), ("hello.txt", "object"), ("hello.txt", "object")]


def test_lifecycle_editor_simulates_before_saving(silt, browser_run):
    steps = browser_run
    sim = steps["lc_simulated"]
    assert sim["seen"]["stored"] == "NoSuchLifecycleConfiguration"  # reviewing saved nothing
    assert sim["save_disabled_before"] and sim["save_enabled_after_review"] and sim["save_disabled_after_edit"]
    saved = steps["lc_saved"]
    # The page's simulation of the unsaved rules (its second review: both rules) is the
    # admin API's of the rules once saved.
    api = saved["seen"]["simulate"]
    assert float(sim["now"]) == pytest.approx(api["now"]["monthly_cost"], rel=1e-9)
    by_days = {h["days"]: h for h in api["horizons"]}
    assert [int(r["days"]) for r in sim["rows"]] == [30, 90, 365]
    for r in saved["tag_simulation"]:
        h = by_days[int(r["days"])]
        assert int(r["transitionedBytes"]) == h["transitioned_bytes"] and int(r["expiredBytes"]) == h["expired_bytes"]
        assert int(r["expiredObjects"]) == h["expired_objects"]
        assert float(r["saving"]) == pytest.approx(api["now"]["monthly_cost"] - h["monthly_cost"], rel=1e-9)
    assert int(sim["rows"][1]["transitionedBytes"]) >= LARGE  # big/large.bin moves by day 90
    assert float(sim["rows"][1]["saving"]) > 0
    rules = {r["ID"]: r for r in saved["seen"]["rules"]}
    big = rules["big-to-ia"]
    assert big["Filter"] == {"Prefix": "big/"} and big["Status"] == "Enabled"
    assert big["Transitions"] == [{"Days": 30, "StorageClass": "STANDARD_IA"}]
    assert big["Expiration"] == {"Days": 365} and big["NoncurrentVersionExpiration"]["NoncurrentDays"] == 7
    assert big["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 3}
    assert rules["tagged-expire"]["Filter"] == {"Tag": {"Key": "team", "Value": "data"}}
    assert [r["rule"] for r in saved["rules"]] == ["big-to-ia", "tagged-expire"]
    bad = steps["lc_invalid"]
    code, message = bad["seen"]["boto3"]
    assert bad["error"] == f"{code}: {message}", bad  # the server's error, shown inline
    assert bad["save_disabled"] and bad["seen"]["rules"] == ["big-to-ia", "tagged-expire"]


def test_bucket_policy_templates_and_inline_errors(silt, browser_run):
    steps = browser_run
    pub = steps["policy_public"]
    assert pub["public"] == "true" and pub["seen"] == {"public": True, "anonymous": 200}
    user = steps["policy_user"]
    assert user["public"] == "false"
    assert user["seen"]["alice"] and "data.json" in user["seen"]["alice_list"]
    assert user["seen"]["alice_put"] == "AccessDenied" and user["seen"]["anonymous"] == 403
    assert {s["Sid"] for s in user["seen"]["policy"]["Statement"]} == {"ListForUser", "ReadForUser"}
    inv = steps["policy_invalid"]
    for name in ("bad_json", "bad_resource"):
        code, message = inv["seen"]["boto3"][name]
        assert code == "MalformedPolicy" and inv[name]["error"] == f"{code}: {message}", (name, inv[name])
    assert inv["seen"]["policy"] == user["seen"]["policy"]  # unchanged by the refusals
    priv = steps["policy_private"]
    assert priv["text"] == "" and priv["seen"] == {"policy": "NoSuchBucketPolicy", "anonymous": 403}


def test_users_and_keys(silt, browser_run):
    steps = browser_run
    added = steps["user_added"]
    assert added["who"] == "console-bob" and len(added["secret"]) == 40 and added["seen"]["bob_lists"] == 200
    assert "console-bob" in [u["user"] for u in added["users"]]
    inv = steps["user_invalid"]
    assert inv["error"].startswith("InvalidArgument: "), inv
    assert inv["carol_secret"] == "carol-chosen-secret-42" and inv["seen"]["carol_lists"] == 200
    assert "x!" not in inv["seen"]["users"]
    rm = steps["user_removed"]
    assert "console-bob" not in rm["users"] and "console-bob" not in rm["seen"]["users"]
    assert rm["seen"]["bob"] == "InvalidAccessKeyId"


def test_keyboard_reaches_the_main_actions(browser_run):
    k = browser_run["keyboard"]
    for action in ("nav", "versioning", "lifecycle_tab", "search", "picker", "sort", "object"):
        assert k[action]["presses"] > 0, (action, k[action])
    assert k["sorted_by_enter"] == "ascending"
    assert k["opened"] == "data.json" and k["focus_after_open"] == "object-download"
    assert k["share_focused"] == "object-share" and k["seen"]["status"] == 200
    print("Tab presses to reach each action:", {a: k[a]["presses"] for a in ("nav", "versioning", "lifecycle_tab",
                                                                              "search", "picker", "sort", "object")})


def test_phone_width(browser_run):
    p = browser_run["phone"]
    for view in ("object", "buckets", "bucket"):
        assert p[view + "_width"] <= 390, (view, p[view + "_width"])  # nothing wider than the screen
        (w, _), size = png_size(pathlib.Path(p[view + "_shot"]))
        assert w == 390 and size > 5000
        print(f"screenshot: {p[view + '_shot']}")
    assert p["create_button_box"] <= 390 and p["seen"]["created"] == 200


def test_non_admin_works_with_own_rights_only(browser_run):
    u = browser_run["non_admin"]
    work = browser_run["_work"]
    assert u["user"] == USER_KEY and not u["users_nav_visible"] and not u["ops_nav_visible"]
    assert u["cookies"] == 0 and u["ops_api"] == 403
    assert work not in u["buckets"] and work + "-alice" in u["after_create"]
    assert work + "-alice" in u["seen"]["alice_buckets"]
    assert u["admin_api"] == "403 AccessDenied"  # no side door
    assert u["foreign_bucket_error"].startswith("AccessDenied: "), u


def test_cross_origin_pages_change_nothing(silt, browser_run):
    c = browser_run["csrf"]
    assert c["cookie_before"] == 1
    assert c["seen"] == {"objects_same": True, "versions_same": True, "users_same": True, "alive": True}, c
    # Non-simple requests never leave the browser (no CORS preflight passes); simple ones
    # arrive with the cookie and are refused as anonymous.
    for name in ("delete_object", "delete_bucket", "put_object", "console_status"):
        assert c["attempts"][name].startswith("blocked"), (name, c["attempts"])
    assert c["console_still_signed_in"] and c["panels_status"] == 200  # the cross-origin logout did nothing


def test_sign_out_and_no_page_problems(browser_run):
    out = browser_run["signed_out"]
    assert out["cookies"] == 0 and out["status_after"] == 403 and out["stored_credentials"] is None
    assert out["problems"] == [], out["problems"]  # no script errors, no CSP violations
    d = browser_run["dashboard"]
    stored = json.loads(d["stored_credentials"])  # the key lives in the tab, not in a cookie
    assert stored["accessKey"] and "silt_console" not in d["document_cookie"]
    for name in ("console-buckets.png", "console-upload.png", "console-object.png", "console-lifecycle.png",
                 "console-policy.png", "console-users.png", "console-user.png"):
        (w, h), size = png_size(OUTPUT / name)
        assert w == 1280 and size > 10000, (name, w, size)
        print(f"screenshot: {OUTPUT / name} ({w}x{h})")
