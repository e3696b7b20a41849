#!/usr/bin/python3
"""Generates botocore_vectors.h: requests signed by botocore's real S3 signer.

Run with Debian's interpreter (botocore 1.29, the pre-2025 behaviour):
    /usr/bin/python3 test/unit/auth/gen_vectors.py > test/unit/auth/botocore_vectors.h
and with the aws-cli interpreter on PATH (botocore >= 1.36, aws-chunked trailers by default):
    python3 test/unit/auth/gen_vectors.py --namespace botocore_new_vectors \
        > test/unit/auth/botocore_new_vectors.h

Each request goes through a real botocore S3 client (serializer, handlers and
S3SigV4Auth / S3SigV4QueryAuth) and is captured at before-send, so the path, query
and headers are exactly what botocore would put on the wire. The clock is frozen so
the output is reproducible. One extra vector drives S3SigV4Auth directly to get the
STREAMING-UNSIGNED-PAYLOAD-TRAILER sentinel, which botocore 1.29 only uses over TLS.
"""

import argparse
import contextlib
import datetime
import io
import sys
from unittest import mock
from urllib.parse import urlsplit

import botocore
import botocore.auth
import botocore.session
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

ACCESS_KEY = "AKIDSILTTEST"
SECRET_KEY = "silt/secret+key/0123456789abcdefghij"
ENDPOINT = "http://localhost:9000"
FROZEN = datetime.datetime(2026, 11, 22, 4, 30, 15)
FROZEN_MS = int(FROZEN.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)


VOLATILE_UNSIGNED = {
    "user-agent": "Botocore/" + botocore.__version__,
    "amz-sdk-invocation-id": "00000000-0000-4000-8000-000000000000",
}


class FrozenDateTime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return cls(FROZEN.year, FROZEN.month, FROZEN.day, FROZEN.hour, FROZEN.minute, FROZEN.second)

    @classmethod
    def now(cls, tz=None):
        return cls.utcnow().replace(tzinfo=tz)


def botocore_at_least(major, minor):
    parts = [int(p) for p in botocore.__version__.split(".")[:2]]
    return parts >= [major, minor]


class Captured(Exception):
    pass


def make_client(region, endpoint=ENDPOINT):
    session = botocore.session.get_session()
    client = session.create_client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                      retries={"max_attempts": 0}),
    )
    return client


def wire_target(url):
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def capture(client, method_name, **params):
    seen = {}

    def grab(request, **_):
        seen["method"] = request.method
        seen["url"] = request.url
        seen["headers"] = [(k, v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()]
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        seen["body"] = body.decode("latin-1") if isinstance(body, bytes) else (body or "")
        # These two are added after signing and change every run; pin them so the
        # generated file only changes when botocore's signing does.
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
        # urllib3 adds Host when sending; botocore signed the same value.
        headers.insert(0, ("Host", botocore.auth._host_from_url(seen["url"])))
    return {"method": seen["method"], "target": wire_target(seen["url"]), "headers": headers, "body": seen["body"]}


def presign(client, method_name, expires, **params):
    url = client.generate_presigned_url(method_name, Params=params, ExpiresIn=expires)
    method = {"get_object": "GET", "put_object": "PUT"}[method_name]
    return {"method": method, "target": wire_target(url), "headers": [("Host", botocore.auth._host_from_url(url))],
            "body": ""}


def streaming_trailer_vector():
    # botocore 1.29 picks this sentinel when the checksum goes in a trailer (TLS only), so
    # drive the signer and botocore's own AwsChunkedWrapper directly with that context.
    from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum
    body = AwsChunkedWrapper(io.BytesIO(b"hello world"), checksum_cls=Crc32Checksum,
                             checksum_name="x-amz-checksum-crc32").read()
    url = ENDPOINT + "/bucket/streamed%20key"
    req = AWSRequest(method="PUT", url=url, data=b"", headers={
        "Content-Encoding": "aws-chunked",
        "X-Amz-Trailer": "x-amz-checksum-crc32",
        "X-Amz-Decoded-Content-Length": "11",
    })
    req.context["checksum"] = {"request_algorithm": {"in": "trailer", "algorithm": "crc32",
                                                     "name": "x-amz-checksum-crc32"}}
    botocore.auth.S3SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", "us-east-1").add_auth(req)
    headers = [("Host", botocore.auth._host_from_url(url))] + list(req.headers.items())
    return {"method": "PUT", "target": wire_target(url), "headers": headers, "body": body.decode("latin-1")}


def build():
    vectors = []
    east = make_client("us-east-1")
    other = make_client("garage")
    for key in ["a b", "a+b", "ä/ö", "a//b", "./x", "100%", "*!'()", "x?y#z", "plain.txt"]:
        vectors.append(("get " + key, capture(east, "get_object", Bucket="bucket", Key=key)))
    vectors.append(("put a b with metadata", capture(
        east, "put_object", Bucket="bucket", Key="a b", Body=b"hello silt\n",
        ContentType="text/plain", Metadata={"spaced": "  two   inner  spaces  "})))
    vectors.append(("get with range, region garage", capture(
        other, "get_object", Bucket="bucket", Key="ä/ö", Range="bytes=0-9")))
    vectors.append(("list v2 prefix and delimiter", capture(
        east, "list_objects_v2", Bucket="bucket", Prefix="a b/ä+*", Delimiter="/", MaxKeys=7)))
    vectors.append(("create multipart upload (?uploads)", capture(
        east, "create_multipart_upload", Bucket="bucket", Key="big/obj")))
    vectors.append(("list multipart uploads (?uploads=)", capture(
        east, "list_multipart_uploads", Bucket="bucket", Prefix="p q")))
    vectors.append(("upload part", capture(
        east, "upload_part", Bucket="bucket", Key="big/obj", UploadId="abc+/=", PartNumber=3, Body=b"x" * 100)))
    vectors.append(("delete objects (?delete, POST)", capture(
        east, "delete_objects", Bucket="bucket", Delete={"Objects": [{"Key": "a b"}, {"Key": "ä"}]})))
    vectors.append(("get bucket location", capture(east, "get_bucket_location", Bucket="bucket")))
    if botocore_at_least(1, 36):
        # The post-2025 default over TLS: aws-chunked body with a CRC32 trailer.
        tls = make_client("us-east-1", "https://localhost:9000")
        vectors.append(("https put, default checksum trailer", capture(
            tls, "put_object", Bucket="bucket", Key="a b/streamed", Body=b"0123456789" * 300)))
        vectors.append(("https upload part, sha256 trailer", capture(
            tls, "upload_part", Bucket="bucket", Key="big/obj", UploadId="u1", PartNumber=1,
            Body=b"part data\n" * 500, ChecksumAlgorithm="SHA256")))
        vectors.append(("https put, empty body", capture(
            tls, "put_object", Bucket="bucket", Key="empty", Body=b"")))
    else:
        vectors.append(("streaming unsigned trailer put", streaming_trailer_vector()))

    presigned = [
        ("presigned get ä/ö", presign(east, "get_object", 3600, Bucket="bucket", Key="ä/ö")),
        ("presigned get with response-content-disposition", presign(
            east, "get_object", 600, Bucket="bucket", Key="a b",
            ResponseContentDisposition='attachment; filename="x y.txt"')),
        ("presigned put a+b", presign(east, "put_object", 604800, Bucket="bucket", Key="a+b")),
    ]
    return vectors, presigned


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


def body_literal(body):
    raw = body.encode("latin-1")  # bodies travel as latin-1 text: one char per byte
    assert b"\0" not in raw
    # Wrapped every 120 bytes so the generated file stays readable.
    pieces = [raw[i:i + 120] for i in range(0, len(raw), 120)] or [b""]
    return "\n       ".join(c_str(p) for p in pieces)


def emit(namespace, vectors, presigned):
    w = sys.stdout.write
    w("// GENERATED by test/unit/auth/gen_vectors.py with botocore %s; do not edit.\n" % botocore.__version__)
    w("// Requests as botocore signed them (clock frozen at %sZ).\n" % FROZEN.isoformat())
    w("#pragma once\n\n#include <cstdint>\n#include <utility>\n#include <vector>\n\n")
    w("namespace %s {\n\n" % namespace)
    w("inline constexpr const char* kBotocoreVersion = %s;\n" % c_str(botocore.__version__))
    w("inline constexpr const char* kAccessKey = %s;\n" % c_str(ACCESS_KEY))
    w("inline constexpr const char* kSecretKey = %s;\n" % c_str(SECRET_KEY))
    w("inline constexpr int64_t kNowMs = %dLL;\n\n" % FROZEN_MS)
    w("struct Vector {\n  const char* name;\n  bool presigned;\n  const char* method;\n  const char* target;\n")
    w("  std::vector<std::pair<const char*, const char*>> headers;\n")
    w("  const char* body;  // bytes as botocore sent them (aws-chunked framing included)\n};\n\n")
    w("inline const std::vector<Vector>& all() {\n  static const std::vector<Vector> v = {\n")
    for presigned_flag, items in ((False, vectors), (True, presigned)):
        for name, r in items:
            w("      {%s, %s, %s, %s,\n       {" % (c_str(name), "true" if presigned_flag else "false",
                                                  c_str(r["method"]), c_str(r["target"])))
            w(", ".join("{%s, %s}" % (c_str(k), c_str(v)) for k, v in r["headers"]))
            w("},\n       %s},\n" % body_literal(r["body"]))
    w("  };\n  return v;\n}\n\n}  // namespace %s\n" % namespace)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--namespace", default="botocore_vectors")
    args = parser.parse_args()
    with mock.patch.object(datetime, "datetime", FrozenDateTime):
        if hasattr(botocore.auth, "get_current_datetime"):
            frozen = mock.patch.object(botocore.auth, "get_current_datetime", lambda *a, **k: FrozenDateTime.utcnow())
        else:
            frozen = contextlib.nullcontext()
        with frozen:
            vecs, pres = build()
    emit(args.namespace, vecs, pres)
