#!/usr/bin/python3
"""Generates the SigV2 vectors: requests signed by botocore's real HmacV1 signers.

Run with Debian's interpreter (botocore 1.29):
    /usr/bin/python3 test/unit/auth/gen_sigv2_vectors.py > test/unit/auth/sigv2_vectors.h
and with the aws-cli interpreter on PATH (botocore 1.43, aws-cli 1.45):
    python3 test/unit/auth/gen_sigv2_vectors.py --namespace sigv2_new_vectors \
        > test/unit/auth/sigv2_new_vectors.h

Presigned URLs come from a client with NO signature_version configured, which is
what users get: botocore then presigns S3 with HmacV1QueryAuth (SigV2). Where the
aws-cli package is importable, `aws s3 presign` itself is run in-process too. Header
vectors need Config(signature_version="s3") (HmacV1Auth), because botocore signs
ordinary requests with SigV4 by default. Requests are captured at before-send, so
path, query and headers are exactly what would go on the wire. time.time() is
frozen so the output is reproducible.
"""

import argparse
import contextlib
import io
import os
import sys
import time
from unittest import mock
from urllib.parse import urlsplit

import botocore
import botocore.auth
import botocore.session
from botocore.config import Config

ACCESS_KEY = "AKIDSILTV2"
SECRET_KEY = "silt/v2+secret/0123456789abcdefghijk"
ENDPOINT = "http://localhost:9000"
FROZEN_SEC = 1795321815  # 2026-11-22T04:30:15Z, the clock the SigV4 vectors use too

VOLATILE_UNSIGNED = {
    "user-agent": "Botocore/" + botocore.__version__,
    "amz-sdk-invocation-id": "00000000-0000-4000-8000-000000000000",
}


class Captured(Exception):
    pass


# The StringToSign botocore signed last: HmacV1Auth.sign_string is where every SigV2
# signature (header and query) is made.
SIGNED = []
_sign_string = botocore.auth.HmacV1Auth.sign_string


def _recording_sign_string(self, string_to_sign):
    SIGNED.append(string_to_sign)
    return _sign_string(self, string_to_sign)


botocore.auth.HmacV1Auth.sign_string = _recording_sign_string


def resource_is_sound(string_to_sign, url):
    """False when botocore signed a resource S3 would not compute for this URL.

    botocore 1.29 takes the signed path from the model's requestUri and so signs
    "/bucket?list-type=2" or "/bucket/key?acl?acl"; S3 rejects those requests and so
    must silt. The reference is botocore's own canonical_resource over the URL as sent,
    with the "/bucket/" spelling for bucket-only paths that S3 and botocore use.
    """
    parts = urlsplit(url)
    path = parts.path
    if path.count("/") == 1 and len(path) > 1:
        path += "/"
    expected = botocore.auth.HmacV1Auth(None).canonical_resource(parts, auth_path=path)
    return string_to_sign.rsplit("\n", 1)[1] == expected


def make_client(signature_version=None):
    cfg = {"s3": {"addressing_style": "path"}, "retries": {"max_attempts": 0}}
    if signature_version:
        cfg["signature_version"] = signature_version
    return botocore.session.get_session().create_client(
        "s3", endpoint_url=ENDPOINT, region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, config=Config(**cfg))


def wire_target(url):
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def host_of(url):
    return urlsplit(url).netloc


def capture(client, method_name, **params):
    seen = {}

    def grab(request, **_):
        seen["method"] = request.method
        seen["url"] = request.url
        seen["headers"] = [(k, v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()]
        for i, (k, v) in enumerate(seen["headers"]):
            if k.lower() in VOLATILE_UNSIGNED:
                seen["headers"][i] = (k, VOLATILE_UNSIGNED[k.lower()])
        raise Captured()

    client.meta.events.register("before-send.s3", grab)
    try:
        getattr(client, method_name)(**params)
    except Captured:
        pass
    finally:
        client.meta.events.unregister("before-send.s3", grab)
    headers = seen["headers"]
    if not any(k.lower() == "host" for k, _ in headers):
        headers.insert(0, ("Host", host_of(seen["url"])))
    return {"method": seen["method"], "target": wire_target(seen["url"]), "headers": headers,
            "signed": SIGNED[-1], "sound": resource_is_sound(SIGNED[-1], seen["url"])}


def presign(client, method_name, expires, **params):
    url = client.generate_presigned_url(method_name, Params=params, ExpiresIn=expires)
    assert "AWSAccessKeyId=" in url, "expected a SigV2 presigned URL, got " + url
    method = {"get_object": "GET", "put_object": "PUT"}[method_name]
    return {"method": method, "target": wire_target(url), "headers": [("Host", host_of(url))],
            "signed": SIGNED[-1], "sound": resource_is_sound(SIGNED[-1], url)}


def cli_presign(s3_url, expires):
    """`aws s3 presign` exactly as a user runs it (no signature_version configured)."""
    from awscli.clidriver import create_clidriver
    env = {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/nonexistent",
           "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}
    out = io.StringIO()
    with mock.patch.dict("os.environ", env), contextlib.redirect_stdout(out):
        for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            os.environ.pop(var, None)
        rc = create_clidriver().main(["s3", "presign", s3_url, "--endpoint-url", ENDPOINT,
                                      "--expires-in", str(expires)])
    assert rc == 0, rc
    url = out.getvalue().strip()
    assert "AWSAccessKeyId=" in url, "expected a SigV2 presigned URL, got " + url
    return {"method": "GET", "target": wire_target(url), "headers": [("Host", host_of(url))],
            "signed": SIGNED[-1], "sound": resource_is_sound(SIGNED[-1], url)}


def build():
    header_vectors = []
    presigned = []
    default = make_client()
    v2 = make_client("s3")
    keys = ["a b", "a+b", "ä/ö", "100%"]
    for key in keys:
        presigned.append(("presigned get " + key, presign(default, "get_object", 3600, Bucket="bucket", Key=key)))
        presigned.append(("presigned put " + key, presign(default, "put_object", 600, Bucket="bucket", Key=key)))
    presigned.append(("presigned get with response-content-type", presign(
        default, "get_object", 3600, Bucket="bucket", Key="a b",
        ResponseContentType="text/plain; charset=utf-8", ResponseContentDisposition='attachment; filename="x y"')))
    presigned.append(("presigned put with content-type and metadata", presign(
        default, "put_object", 900, Bucket="bucket", Key="ä/ö",
        ContentType="image/png", Metadata={"owner": "a b+c"})))
    presigned.append(("presigned get versionId", presign(
        default, "get_object", 60, Bucket="bucket", Key="k", VersionId="v+1/=")))
    try:
        import awscli  # noqa: F401
    except ImportError:
        pass
    else:
        presigned.append(("aws s3 presign a b", cli_presign("s3://bucket/a b", 3600)))
        presigned.append(("aws s3 presign ä/ö", cli_presign("s3://bucket/ä/ö", 604800)))

    for key in keys:
        header_vectors.append(("get " + key, capture(v2, "get_object", Bucket="bucket", Key=key)))
    header_vectors.append(("put with content-md5, content-type and metadata", capture(
        v2, "put_object", Bucket="bucket", Key="a b", Body=b"hello silt\n",
        ContentMD5="Ywl6wmMfnqzw4FB/wxrEGg==", ContentType="text/plain",
        Metadata={"spaced": "  two   inner  spaces  ", "Owner": "Jane"})))
    header_vectors.append(("put ä/ö without content-type", capture(
        v2, "put_object", Bucket="bucket", Key="ä/ö", Body=b"x")))
    header_vectors.append(("list v2 (no sub-resource signed)", capture(
        v2, "list_objects_v2", Bucket="bucket", Prefix="a b/", Delimiter="/")))
    header_vectors.append(("create multipart upload (?uploads)", capture(
        v2, "create_multipart_upload", Bucket="bucket", Key="big/obj")))
    header_vectors.append(("list multipart uploads (?uploads&prefix)", capture(
        v2, "list_multipart_uploads", Bucket="bucket", Prefix="p q")))
    header_vectors.append(("upload part (partNumber, uploadId)", capture(
        v2, "upload_part", Bucket="bucket", Key="big/obj", UploadId="abc+/=", PartNumber=3, Body=b"x" * 100)))
    header_vectors.append(("delete objects (?delete)", capture(
        v2, "delete_objects", Bucket="bucket", Delete={"Objects": [{"Key": "a b"}]})))
    header_vectors.append(("get object acl (?acl)", capture(v2, "get_object_acl", Bucket="bucket", Key="a+b")))
    return header_vectors, presigned


def c_str(s):
    out = '"'
    for b in (s.encode("utf-8") if isinstance(s, str) else s):
        ch = chr(b)
        if ch in '"\\':
            out += "\\" + ch
        elif 0x20 <= b < 0x7F and ch != "?":  # '?' avoided so no trigraph-like sequences appear
            out += ch
        else:
            out += '\\%03o' % b
    return out + '"'


def emit(namespace, header_vectors, presigned):
    w = sys.stdout.write
    w("// GENERATED by test/unit/auth/gen_sigv2_vectors.py with botocore %s; do not edit.\n" % botocore.__version__)
    w("// SigV2 requests as botocore signed them (time.time() frozen at %d).\n" % FROZEN_SEC)
    w("#pragma once\n\n#include <cstdint>\n#include <utility>\n#include <vector>\n\n")
    w("namespace %s {\n\n" % namespace)
    w("inline constexpr const char* kBotocoreVersion = %s;\n" % c_str(botocore.__version__))
    w("inline constexpr const char* kAccessKey = %s;\n" % c_str(ACCESS_KEY))
    w("inline constexpr const char* kSecretKey = %s;\n" % c_str(SECRET_KEY))
    w("inline constexpr int64_t kNowMs = %dLL;\n\n" % (FROZEN_SEC * 1000))
    w("struct Vector {\n  const char* name;\n  bool presigned;\n  const char* method;\n  const char* target;\n")
    w("  std::vector<std::pair<const char*, const char*>> headers;\n")
    w("  const char* string_to_sign;  // what botocore signed\n")
    w("  bool s3_accepts;  // false: botocore signed a resource S3 does not compute (see the generator)\n};\n\n")
    w("inline const std::vector<Vector>& all() {\n  static const std::vector<Vector> v = {\n")
    for presigned_flag, items in ((False, header_vectors), (True, presigned)):
        for name, r in items:
            w("      {%s, %s, %s, %s,\n       {" % (c_str(name), "true" if presigned_flag else "false",
                                                  c_str(r["method"]), c_str(r["target"])))
            w(", ".join("{%s, %s}" % (c_str(k), c_str(v)) for k, v in r["headers"]))
            w("},\n       %s, %s},\n" % (c_str(r["signed"]), "true" if r["sound"] else "false"))
    w("  };\n  return v;\n}\n\n}  // namespace %s\n" % namespace)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--namespace", default="sigv2_vectors")
    args = parser.parse_args()
    with mock.patch.object(time, "time", lambda: float(FROZEN_SEC)):
        hv, pv = build()
    emit(args.namespace, hv, pv)
