"""The web console (/_silt/console, issue 7): its files, its sign-in and its data
endpoints over raw HTTP, then the dashboard end to end in headless Chromium (Debian's
`chromium`, driven by playwright-core from node/; node/console.mjs), against a real silt
with data in two storage classes and lifecycle rules. Screenshots go to
test/integration/output/ (git-ignored); their paths are printed."""
import concurrent.futures
import http.client
import json
import os
import pathlib
import shutil
import struct
import subprocess
import time

import pytest

from silt_server import SiltServer, bucket_name

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
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_page_and_assets_are_built_in_with_types_and_security_headers(silt):
    pages = {}
    for path, ctype in (("/_silt/console", "text/html"), ("/_silt/console/", "text/html"),
                        ("/_silt/console/assets/console.js", "text/javascript"),
                        ("/_silt/console/assets/console.css", "text/css")):
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
    assert 'src="/_silt/console/assets/console.js"' in html and "<script>" not in html  # no inline script (CSP)
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
    status, h, body = login(silt, USER_KEY, USER_SECRET)
    assert status == 403 and "Set-Cookie" not in h
    assert "admin user only" in json.loads(body)["message"]


def test_repeated_failures_throttle_the_key_from_that_address(silt, cluster):
    # Attempts count before the secret is checked: of 15 guesses at once, 10 are answered
    # 401 and the rest, over the limit, TooManyAttempts (a few after waiting their turn).
    with concurrent.futures.ThreadPoolExecutor(15) as pool:
        statuses = list(pool.map(lambda i: login(silt, MALLORY_KEY, f"wrong-{i}-secret")[0], range(15)))
    assert sorted(statuses) == [401] * 10 + [429] * 5, statuses
    status, h, body = login(silt, MALLORY_KEY, "wrong-again-secret")
    assert status == 429 and "Set-Cookie" not in h and json.loads(body)["error"] == "TooManyAttempts"
    # The right secret is never locked out: it signs in (here it is not the admin: 403).
    status, h, body = login(silt, MALLORY_KEY, MALLORY_SECRET)
    assert status == 403 and "Set-Cookie" not in h and json.loads(body)["error"] == "NotAdmin", body
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

    assert get("session") == (200, {"user": silt.access_key})
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
        assert get("requests")[1]["totals"]["requests"] > req["totals"]["requests"]
    assert get("nope")[0] == 404
    # Read-only: nothing but GET.
    for name in ("status", "usage", "heal"):
        assert call(silt, "POST", "/_silt/console/api/" + name, b"{}", jar)[0] == 405
    # Signing out ends the session on the server, not only in the browser.
    status, h, _ = call(silt, "POST", "/_silt/console/api/logout", b"", jar)
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


@pytest.mark.skipif(browser_missing() is not None, reason=browser_missing() or "")
def test_dashboard_in_headless_chromium(silt, cluster):
    OUTPUT.mkdir(exist_ok=True)
    for old in OUTPUT.glob("console*.png"):
        old.unlink()
    env = dict(os.environ, ENDPOINT=silt.endpoint, ADMIN_KEY=silt.access_key, ADMIN_SECRET=silt.secret_key,
               USER_KEY=USER_KEY, USER_SECRET=USER_SECRET, OFFLINE_SLOT="2", SCREENSHOT_DIR=str(OUTPUT),
               CHROMIUM=CHROMIUM, NODE_NO_WARNINGS="1")
    stderr_path = silt.workdir / "console-node.err"
    victim = silt.drives()[1]
    saved = victim.with_name(victim.name + ".saved")
    steps = {}
    with open(stderr_path, "w") as err:
        proc = subprocess.Popen(["node", str(NODE_DIR / "console.mjs")], cwd=NODE_DIR, env=env, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
    try:
        deadline = time.time() + 150
        for line in proc.stdout:
            step = json.loads(line)
            steps[step["step"]] = step
            if step["step"] == "dashboard":
                usage = admin_json(silt, "usage")  # what the page showed must be this
                steps["usage"] = usage
                victim.rename(saved)  # replaced by a plain file: unreadable, offline
                victim.write_bytes(b"not a drive")
                proc.stdin.write("offline\n")
                proc.stdin.close()
            if time.time() > deadline:
                break
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if saved.exists():
            victim.unlink()
            saved.rename(victim)
    assert code == 0, f"node console.mjs exited {code}\n{stderr_path.read_text()[-3000:]}\nsteps: {list(steps)}"

    for refused, text in (("wrong_secret", "Wrong access key or secret key"), ("not_admin", "admin user only")):
        s = steps[refused]
        assert text in s["error"] and s["cookies"] == 0 and not s["dashboard_visible"], s

    d = steps["dashboard"]
    assert d["user"] == silt.access_key
    assert [(x["slot"], x["state"]) for x in d["drives"]] == [(i, "online") for i in range(1, 7)]
    assert d["drives_summary"].startswith("6 online, 0 healing, 0 offline")
    assert {p["name"] for p in d["pools"]} == {"standard", "cold"}
    assert all("yes" in p["text"] for p in d["pools"])
    # Per-class figures are exactly the admin API's usage, summed over buckets.
    expected = class_totals(steps["usage"])
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
    pools = {p["name"]: p for p in steps["usage"]["pools"]}
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

    out = steps["signed_out"]
    assert out["cookies"] == 0 and out["status_after"] == 403
    assert out["problems"] == [], out["problems"]  # no script errors, no CSP violations

    for name in ("console.png", "console-offline.png"):
        (w, h), size = png_size(OUTPUT / name)
        assert w == 1400 and h >= 1000 and size > 30000, (name, w, h, size)
        print(f"screenshot: {OUTPUT / name} ({w}x{h}, {size} bytes)")
