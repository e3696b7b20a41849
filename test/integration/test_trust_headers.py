"""Response headers an attacker cannot write (issue 15, finding 3).

Every value that becomes a response header and comes from a request, now or when an
object was stored, is sent here with CR LF (or NUL, or another control character) in
it: the response-* parameters of GET/HEAD, signed and anonymous; metadata from POST
forms, PUT, CopyObject REPLACE and CreateMultipartUpload; CORS rules;
success_action_redirect; DeleteObject's versionId. Each must get its S3 error (or, for
the redirect, S3's "acts as if the field is not present"), no injected header may come
back, and silt keeps serving. Data stored before the checks existed is caught by the
last check in the response writer (500, logged). Objects carry nosniff and a sandbox
CSP; the console keeps its own strict CSP. docs/security.md "Response headers".
"""
import json
import os
import pathlib
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
import requests

import s3raw
from s3assert import client_error, code
from silt_server import SiltServer, silt_binary

INJECT = "text/html\r\nSet-Cookie: injected=1"
OVERRIDES = ["response-content-type", "response-content-language", "response-expires",
             "response-cache-control", "response-content-disposition", "response-content-encoding"]


def error_of(resp):
    """(status, Code) of an s3raw.Response carrying S3 error XML."""
    return resp.status, resp.error_code()


def no_injection(resp):
    """Nothing the attacker wrote came back as a header of its own."""
    headers = resp.headers if isinstance(resp.headers, dict) else {k.lower(): v for k, v in resp.headers.items()}
    assert "set-cookie" not in headers, headers
    assert "injected" not in json.dumps(headers), headers


def still_serving(silt, s3, bucket):
    s3.put_object(Bucket=bucket, Key="alive", Body=b"still here")
    assert s3.get_object(Bucket=bucket, Key="alive")["Body"].read() == b"still here"
    assert silt.health() == 200


def anonymous_get(silt, bucket, key, params=()):
    target = s3raw.key_path(bucket, key) + ("?" + s3raw.encode_query(params) if params else "")
    conn = silt.raw()
    try:
        return conn.request("GET", target, {"Host": silt.host})
    finally:
        conn.close()


def send_with_raw_header(silt, method, bucket, key, params, headers, raw_name, raw_value):
    """A signed request with one header line written byte for byte (raw_value may hold a
    bare CR, a bare LF or a NUL). -> (s3raw.Response, or None when silt closed without answering)."""
    path = s3raw.key_path(bucket, key)
    h = silt.signer().sign(method, path, list(params), {**headers, raw_name: raw_value})
    h["Content-Length"] = "0"
    target = path + ("?" + s3raw.encode_query(params) if params else "")
    lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in h.items()]
    conn = silt.raw()
    try:
        conn.send(("\r\n".join(lines) + "\r\n\r\n").encode())
        try:
            return conn.read_response(method)
        except ConnectionError:
            return None
    finally:
        conn.close()


# --- response-* parameters ------------------------------------------------------------------

@pytest.mark.parametrize("param", OVERRIDES)
def test_signed_override_with_crlf_is_refused(silt, s3, bucket, param):
    s3.put_object(Bucket=bucket, Key="o", Body=b"data", ContentType="text/plain")
    r = silt.request("GET", bucket, "o", params=[(param, INJECT)])
    assert error_of(r) == (400, "InvalidArgument"), r
    assert ET.fromstring(r.body).findtext("ArgumentName") == param
    no_injection(r)
    still_serving(silt, s3, bucket)


@pytest.mark.parametrize("value", ["text/plain\x00x", "text/plain\x01", "text/plain\x7f", "a\nb", "a\rb"])
def test_signed_override_with_any_control_character_is_refused(silt, s3, bucket, value):
    s3.put_object(Bucket=bucket, Key="o", Body=b"data")
    r = silt.request("GET", bucket, "o", params=[("response-content-type", value)])
    assert error_of(r) == (400, "InvalidArgument"), r
    r = silt.request("HEAD", bucket, "o", params=[("response-content-type", value)])
    assert r.status == 400 and r.body == b""
    no_injection(r)
    # A value HTTP allows (HTAB, UTF-8) still overrides, as S3 does.
    ok = silt.request("GET", bucket, "o", params=[("response-content-type", "text/plain;\tcharset=utf-8")])
    assert ok.status == 200 and ok.header("content-type") == "text/plain;\tcharset=utf-8"


def test_anonymous_override_is_refused_on_a_public_object(silt, s3, bucket):
    s3.put_object(Bucket=bucket, Key="pub", Body=b"public data", ACL="public-read")
    assert anonymous_get(silt, bucket, "pub").body == b"public data"  # public indeed
    for params in ([("response-content-type", INJECT)], [("response-content-disposition", "attachment")]):
        r = anonymous_get(silt, bucket, "pub", params)
        assert error_of(r) == (400, "InvalidRequest"), r
        assert ET.fromstring(r.body).findtext("Message") == \
            "Request specific response headers cannot be used for anonymous GET requests."
        no_injection(r)
    assert anonymous_get(silt, bucket, "pub").status == 200
    still_serving(silt, s3, bucket)


# --- stored metadata -------------------------------------------------------------------------

def post_form(s3, bucket, key, fields, conditions, data=b"\x89PNG fake"):
    post = s3.generate_presigned_post(bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=600)
    return requests.post(post["url"], data=post["fields"], files={"file": ("a.png", data)},
                         allow_redirects=False, timeout=30)


def test_post_form_content_type_injection_is_refused(silt, s3, bucket):
    # The policy admits any Content-Type under image/: the attacker's value starts with it.
    value = "image/png\r\nSet-Cookie: injected=1"
    r = post_form(s3, bucket, "img.png", {"Content-Type": value}, [["starts-with", "$Content-Type", "image/"]])
    assert r.status_code == 400, r.text
    assert ET.fromstring(r.content).findtext("Code") == "InvalidArgument"
    assert ET.fromstring(r.content).findtext("ArgumentName").lower() == "content-type"
    later = silt.request("GET", bucket, "img.png")
    assert error_of(later) == (404, "NoSuchKey"), later
    no_injection(later)
    # The same form with an honest value is stored and served as it was sent.
    r = post_form(s3, bucket, "img.png", {"Content-Type": "image/png"}, [["starts-with", "$Content-Type", "image/"]])
    assert r.status_code == 204, r.text
    got = silt.request("GET", bucket, "img.png")
    assert got.status == 200 and got.header("content-type") == "image/png"
    still_serving(silt, s3, bucket)


@pytest.mark.parametrize("field", ["x-amz-meta-note", "Cache-Control", "Content-Disposition", "Expires"])
def test_post_form_other_stored_headers_are_refused(silt, s3, bucket, field):
    r = post_form(s3, bucket, "f.bin", {field: "ok\r\nSet-Cookie: injected=1"}, [["starts-with", "$" + field, "ok"]])
    assert r.status_code == 400 and ET.fromstring(r.content).findtext("Code") == "InvalidArgument", r.text
    assert error_of(silt.request("GET", bucket, "f.bin")) == (404, "NoSuchKey")
    still_serving(silt, s3, bucket)


@pytest.mark.parametrize("raw_value", ["ok\nSet-Cookie: injected=1", "ok\rSet-Cookie: injected=1", "ok\x00x"])
def test_put_metadata_with_control_characters_is_an_error(silt, s3, bucket, raw_value):
    r = send_with_raw_header(silt, "PUT", bucket, "m", [], {}, "x-amz-meta-note", raw_value)
    assert r is not None, "silt closed the connection without an answer"
    assert error_of(r) == (400, "InvalidRequest"), r
    head = silt.request("HEAD", bucket, "m")
    assert head.status == 404, head
    still_serving(silt, s3, bucket)


def test_put_metadata_obs_fold_stays_one_header(silt, s3, bucket):
    # An obsolete line fold is joined with a space (RFC 9112 §5.2): one header, not two.
    r = send_with_raw_header(silt, "PUT", bucket, "fold", [], {}, "x-amz-meta-note", "ok\r\n Set-Cookie: injected=1")
    assert r is not None and r.status == 200, r
    got = silt.request("GET", bucket, "fold")
    assert got.header("x-amz-meta-note") == "ok Set-Cookie: injected=1"
    assert got.header("set-cookie") is None


@pytest.mark.parametrize("raw_value", ["text/html\nSet-Cookie: injected=1", "text/html\x00"])
def test_copy_replace_with_control_characters_is_an_error(silt, s3, bucket, raw_value):
    s3.put_object(Bucket=bucket, Key="src", Body=b"source")
    r = send_with_raw_header(silt, "PUT", bucket, "dst", [],
                             {"x-amz-copy-source": f"/{bucket}/src", "x-amz-metadata-directive": "REPLACE"},
                             "Content-Type", raw_value)
    assert r is not None and error_of(r) == (400, "InvalidRequest"), r
    assert silt.request("HEAD", bucket, "dst").status == 404
    still_serving(silt, s3, bucket)


@pytest.mark.parametrize("raw_value", ["attachment\nSet-Cookie: injected=1", "attachment\x00"])
def test_create_multipart_upload_with_control_characters_is_an_error(silt, s3, bucket, raw_value):
    r = send_with_raw_header(silt, "POST", bucket, "mp", [("uploads", "")], {}, "Content-Disposition", raw_value)
    assert r is not None and error_of(r) == (400, "InvalidRequest"), r
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    still_serving(silt, s3, bucket)


# --- CORS rules ------------------------------------------------------------------------------

@pytest.mark.parametrize("rule", [
    {"AllowedOrigins": ["http://app.example\r\nSet-Cookie: injected=1"], "AllowedMethods": ["GET"]},
    {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "ExposeHeaders": ["ETag\r\nSet-Cookie: injected=1"]},
    {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "AllowedHeaders": ["x-amz-*\r\nSet-Cookie: x"]},
], ids=["AllowedOrigin", "ExposeHeader", "AllowedHeader"])
def test_cors_rule_with_crlf_is_refused(silt, s3, bucket, rule):
    e = client_error(s3.put_bucket_cors, Bucket=bucket, CORSConfiguration={"CORSRules": [rule]})
    assert code(e) == ("InvalidRequest", 400)
    assert code(client_error(s3.get_bucket_cors, Bucket=bucket)) == ("NoSuchCORSConfiguration", 404)
    s3.put_object(Bucket=bucket, Key="o", Body=b"x")
    r = silt.request("GET", bucket, "o", headers={"Origin": "http://app.example"})
    assert r.status == 200
    no_injection(r)
    still_serving(silt, s3, bucket)


# --- success_action_redirect -----------------------------------------------------------------

def test_success_action_redirect_with_crlf_is_not_followed(silt, s3, bucket):
    cond = [["starts-with", "$success_action_redirect", "http://app.example/"]]
    r = post_form(s3, bucket, "r.png", {"success_action_redirect": "http://app.example/ok\r\nSet-Cookie: injected=1"},
                  cond)
    # "If Amazon S3 cannot interpret the URL, it acts as if the field is not present."
    assert r.status_code == 204, (r.status_code, r.headers, r.text)
    no_injection(r)
    assert r.headers["Location"] == f"{silt.endpoint}/{bucket}/r.png"
    r = post_form(s3, bucket, "r.png", {"success_action_redirect": "http://app.example/ok\x01"}, cond)
    assert r.status_code == 204 and r.headers["Location"] == f"{silt.endpoint}/{bucket}/r.png"
    # An interpretable URL redirects; what a browser would send as typed comes back encoded.
    r = post_form(s3, bucket, "r.png", {"success_action_redirect": "http://app.example/done page/\u00e9"}, cond)
    assert r.status_code == 303, r.text
    assert r.headers["Location"].startswith("http://app.example/done%20page/%C3%A9?bucket=" + bucket + "&key=r.png")
    still_serving(silt, s3, bucket)


# --- DeleteObject's versionId ----------------------------------------------------------------

def test_delete_with_crlf_version_id_is_refused(silt, s3, bucket):
    s3.put_object(Bucket=bucket, Key="d", Body=b"x")
    r = silt.request("DELETE", bucket, "d", params=[("versionId", "v\r\nSet-Cookie: injected=1")])
    assert error_of(r) == (400, "InvalidArgument"), r
    no_injection(r)
    assert s3.get_object(Bucket=bucket, Key="d")["Body"].read() == b"x"
    still_serving(silt, s3, bucket)


# --- what browsers are told ------------------------------------------------------------------

def test_objects_carry_nosniff_and_a_sandbox(silt, s3, bucket):
    s3.put_object(Bucket=bucket, Key="page.html", Body=b"<script>alert(document.cookie)</script>",
                  ContentType="text/html")
    for method, params, headers in (("GET", [], {}), ("HEAD", [], {}), ("GET", [], {"Range": "bytes=0-3"}),
                                    ("GET", [("response-content-type", "image/svg+xml")], {})):
        r = silt.request(method, bucket, "page.html", params=params, headers=headers)
        assert r.status in (200, 206), r
        assert r.header("x-content-type-options") == "nosniff"
        assert r.header("content-security-policy") == "sandbox"
    # A PDF is not sandboxed (browsers' PDF viewers stay blank in a sandbox), but not sniffed either.
    s3.put_object(Bucket=bucket, Key="doc.pdf", Body=b"%PDF-1.4 not really", ContentType="application/pdf")
    r = silt.request("GET", bucket, "doc.pdf")
    assert r.header("x-content-type-options") == "nosniff" and r.header("content-security-policy") is None
    # Documents silt writes or stores verbatim (listings, errors, a bucket's CORS XML) too.
    for r in (silt.request("GET", bucket), silt.request("GET", bucket, "missing"),
              anonymous_get(silt, bucket, "page.html")):
        assert r.header("x-content-type-options") == "nosniff", r
        assert r.header("content-security-policy") == "sandbox", r


NODE_DIR = pathlib.Path(__file__).resolve().parent / "node"
CHROMIUM = "/usr/bin/chromium"


def browser_missing():
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing (apt package chromium; scripts/install-deps.sh --test)"
    if not (NODE_DIR / "node_modules" / "playwright-core").is_dir():
        return "node/node_modules/playwright-core is missing (scripts/install-deps.sh --test)"
    if shutil.which("node") is None:
        return "node is not on PATH"
    return None


@pytest.mark.skipif(browser_missing() is not None, reason=browser_missing() or "")
def test_objects_run_no_script_in_a_browser(silt, s3, bucket):
    """What a victim's browser does with a link to an attacker's HTML or SVG object on
    silt's origin (the console's): the object's script must not run."""
    script = b"fetch('/beacon?cookie=' + encodeURIComponent(document.cookie))"
    s3.put_object(Bucket=bucket, Key="evil.html", ContentType="text/html",
                  Body=b"<html><head><title>x</title></head><body><script>" + script + b"</script></body></html>")
    s3.put_object(Bucket=bucket, Key="evil.svg", ContentType="image/svg+xml",
                  Body=b'<svg xmlns="http://www.w3.org/2000/svg"><script>' + script + b"</script></svg>")
    urls = [[key, s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=600)]
            for key in ("evil.html", "evil.svg")]
    env = dict(os.environ, URLS=json.dumps(urls), CHROMIUM=CHROMIUM, NODE_NO_WARNINGS="1")
    p = subprocess.run(["node", str(NODE_DIR / "sandbox.mjs")], cwd=NODE_DIR, env=env, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-3000:]
    seen = json.loads(p.stdout.strip().splitlines()[-1])
    for key, _ in urls:
        assert seen[key]["beacon"] is False, (key, seen[key])
        assert any("sandboxed" in line for line in seen[key]["console"]), (key, seen[key])


def test_console_keeps_its_own_strict_policy(silt):
    for path in ("/_silt/console", "/_silt/console/assets/console.js", "/_silt/console/api/session"):
        r = requests.get(silt.endpoint + path, timeout=10)
        csp = r.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, (path, csp)
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "sandbox" not in csp, (path, csp)  # one policy: the console's, which lets its script run
        assert r.headers.get("X-Content-Type-Options") == "nosniff"
    # The console's page has no inline script to need 'unsafe-inline'.
    page = requests.get(silt.endpoint + "/_silt/console", timeout=10).text
    assert "<script>" not in page.replace(" ", "").lower()


# --- the last check: values stored before silt validated them -------------------------------

def test_stored_header_from_an_older_silt_becomes_a_500(tmp_path):
    """An object whose metadata holds CR LF (as a POST form could store before this check)
    is answered 500 InternalError, never with the injected header; the rest keeps working."""
    server = SiltServer(tmp_path)
    # An older silt kept every object in a data dir with its meta.json (no segment files).
    server.start(extra_args=("--inline-threshold", "0"))
    try:
        s3 = server.boto3()
        s3.create_bucket(Bucket="old")
        s3.put_object(Bucket="old", Key="bad", Body=b"x", Metadata={"note": "PLACEHOLDER-VALUE"})
        s3.put_object(Bucket="old", Key="good", Body=b"fine")
        assert server.stop() == 0
        patched = 0
        for meta in server.data_dir.rglob("meta.json"):
            text = meta.read_text()
            if "PLACEHOLDER-VALUE" in text:
                meta.write_text(text.replace("PLACEHOLDER-VALUE", "a\\r\\nSet-Cookie: injected=1"))
                patched += 1
        assert patched >= 1
        shutil.rmtree(server.data_dir / "index")
        rebuilt = subprocess.run([str(silt_binary()), "admin", "rebuild-index", "--data", str(server.data_dir)],
                                 capture_output=True, text=True, timeout=120)
        assert rebuilt.returncode == 0, rebuilt.stderr
        server.start()

        for method in ("GET", "HEAD"):
            r = server.request(method, "old", "bad")
            assert r.status == 500, r
            if method == "GET":
                assert r.error_code() == "InternalError"
            no_injection(r)
        assert "response header x-amz-meta-note breaks HTTP's field grammar" in server.log_since_start()
        assert server.request("GET", "old", "good").body == b"fine"
        # The owner can repair it: CopyObject REPLACE onto itself writes sound metadata.
        s3.copy_object(Bucket="old", Key="bad", CopySource={"Bucket": "old", "Key": "bad"},
                       MetadataDirective="REPLACE", Metadata={"note": "repaired"})
        assert s3.get_object(Bucket="old", Key="bad")["Metadata"] == {"note": "repaired"}
    finally:
        server.stop()
