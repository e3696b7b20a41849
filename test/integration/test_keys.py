"""Awkward keys: they must be signed, stored, listed and encoded exactly, with
boto3, aws cli and rclone (providers Other = v1 raw listings, Minio = v2
url-encoded listings). clients.md X-SIG-01, X-LST-01..05."""
import re
import urllib.parse
import xml.etree.ElementTree as ET

import pytest

import s3raw
from s3raw import key_path

KEYS = ["a b", "a+b", "ä/ö", "a//b", "./x", "100%", "*!'()", "x?y#z", "a%2Fb", "日本", "d/", "d/in"]
# rclone cannot name empty or "." path segments; it skips/renames those by design.
RCLONE_KEYS = ["a b", "a+b", "ä/ö", "100%", "*!'()", "x?y#z", "a%2Fb", "日本", "d/in"]
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def utf8_sorted(keys):
    return sorted(keys, key=lambda k: k.encode())


def content(key):
    return ("content of " + key).encode() if not key.endswith("/") else b""


@pytest.fixture(scope="module")
def keyed(silt, s3):
    bucket = "keys-" + __import__("os").urandom(3).hex()
    s3.create_bucket(Bucket=bucket)
    # Empty directory markers last: test_http covers the PUT that follows an empty PUT.
    for k in sorted(KEYS, key=lambda k: k.endswith("/")):
        s3.put_object(Bucket=bucket, Key=k, Body=content(k))
    return bucket


def raw_list(silt, bucket, params):
    path = key_path(bucket)
    h = silt.signer().sign("GET", path, params, {})
    conn = silt.raw()
    try:
        r = conn.request("GET", path + "?" + s3raw.encode_query(params), h)
    finally:
        conn.close()
    assert r.status == 200, r
    return r, ET.fromstring(r.body)


def test_boto3_round_trip(s3, keyed):
    for k in KEYS:
        assert s3.get_object(Bucket=keyed, Key=k)["Body"].read() == content(k), k
        s3.head_object(Bucket=keyed, Key=k)
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=keyed)["Contents"]]
    assert listed == utf8_sorted(KEYS)
    listed = [o["Key"] for o in s3.list_objects(Bucket=keyed)["Contents"]]
    assert listed == utf8_sorted(KEYS)


@pytest.mark.parametrize("list_type", ["1", "2"])
def test_raw_listing_without_encoding_is_plain_xml(silt, keyed, list_type):
    params = [("list-type", "2")] if list_type == "2" else []
    r, root = raw_list(silt, keyed, params)
    assert root.find(f"{NS}EncodingType") is None
    assert [e.text for e in root.iter(f"{NS}Key")] == utf8_sorted(KEYS)


@pytest.mark.parametrize("list_type", ["1", "2"])
def test_raw_listing_url_encoded(silt, keyed, list_type):
    params = ([("list-type", "2")] if list_type == "2" else []) + [
        ("encoding-type", "url"), ("prefix", "a"), ("delimiter", "/")]
    r, root = raw_list(silt, keyed, params)
    assert root.findtext(f"{NS}EncodingType") == "url"
    keys = [e.text for e in root.iter(f"{NS}Key")]
    assert "a%2Bb" in keys, r.text  # '+' is always %2B
    assert [urllib.parse.unquote_plus(k) for k in keys] == ["a b", "a%2Fb", "a+b"]
    assert [urllib.parse.unquote_plus(p.findtext(f"{NS}Prefix"))
            for p in root.findall(f"{NS}CommonPrefixes")] == ["a/"]
    # rclone decodes with QueryUnescape, so everything must decode that way too
    r, root = raw_list(silt, keyed, ([("list-type", "2")] if list_type == "2" else []) +
                       [("encoding-type", "url")])
    assert [urllib.parse.unquote_plus(e.text) for e in root.iter(f"{NS}Key")] == utf8_sorted(KEYS)


def test_delimiter_listings(s3, keyed):
    r = s3.list_objects_v2(Bucket=keyed, Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == \
        utf8_sorted(["a b", "a+b", "100%", "*!'()", "x?y#z", "a%2Fb", "日本"])
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == utf8_sorted(["a/", "./", "d/", "ä/"])
    r = s3.list_objects_v2(Bucket=keyed, Delimiter="/", Prefix="a/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a//"]
    r = s3.list_objects_v2(Bucket=keyed, Delimiter="/", Prefix="d/")
    assert [o["Key"] for o in r["Contents"]] == ["d/", "d/in"]
    r = s3.list_objects_v2(Bucket=keyed, Prefix="ä/")
    assert [o["Key"] for o in r["Contents"]] == ["ä/ö"]


@pytest.mark.parametrize("page", [1, 2, 1000])
@pytest.mark.parametrize("encoded", [True, False])
def test_pagination_covers_every_key_once(silt, s3, keyed, page, encoded):
    enc = [("encoding-type", "url")] if encoded else []
    dec = (lambda s: urllib.parse.unquote_plus(s)) if encoded else (lambda s: s)
    # v2 with continuation tokens
    seen, token = [], None
    for _ in range(50):
        params = [("list-type", "2"), ("max-keys", str(page))] + enc + \
            ([("continuation-token", token)] if token else [])
        _, root = raw_list(silt, keyed, params)
        keys = [dec(e.text) for e in root.iter(f"{NS}Key")]
        assert len(keys) <= page
        seen += keys
        if root.findtext(f"{NS}IsTruncated") != "true":
            break
        token = root.findtext(f"{NS}NextContinuationToken")
        assert token, "IsTruncated without NextContinuationToken"
    assert seen == utf8_sorted(KEYS)
    # v1 with markers
    seen, marker = [], None
    for _ in range(50):
        params = [("max-keys", str(page))] + enc + ([("marker", marker)] if marker else [])
        _, root = raw_list(silt, keyed, params)
        keys = [dec(e.text) for e in root.iter(f"{NS}Key")]
        seen += keys
        if root.findtext(f"{NS}IsTruncated") != "true":
            break
        nm = root.findtext(f"{NS}NextMarker")
        marker = dec(nm) if nm else keys[-1]
    assert seen == utf8_sorted(KEYS)


def test_awscli_round_trip_and_ls(silt, s3, bucket, tmp_path):
    for i, k in enumerate(KEYS):
        if k.endswith("/"):
            continue
        src = tmp_path / f"up{i}"
        src.write_bytes(content(k) + b" via aws")
        silt.aws("s3api", "put-object", "--bucket", bucket, "--key", "cli/" + k,
                 "--body", str(src))
        dst = tmp_path / f"down{i}"
        silt.aws("s3", "cp", f"s3://{bucket}/cli/{k}", str(dst))
        assert dst.read_bytes() == content(k) + b" via aws", k
    out = silt.aws("s3", "ls", "--recursive", f"s3://{bucket}/cli/").stdout
    listed = [re.match(r"^\S+ \S+\s+\d+ (.*)$", line).group(1) for line in out.splitlines()]
    expected = ["cli/" + k for k in KEYS if not k.endswith("/")]
    assert listed == utf8_sorted(expected)
    out = silt.aws("s3", "ls", f"s3://{bucket}/cli/").stdout
    assert "PRE a/" in out and "PRE ä/" in out and "PRE d/" in out
    for k in KEYS:
        if not k.endswith("/"):
            assert s3.get_object(Bucket=bucket, Key="cli/" + k)["Body"].read() == \
                content(k) + b" via aws"


@pytest.mark.parametrize("remote", ["other", "minio"])
def test_rclone_round_trip_and_lsf(silt, s3, keyed, bucket, tmp_path, remote):
    listed = set(silt.rclone("lsf", "-R", "--files-only", f"{remote}:{keyed}").stdout.splitlines())
    assert set(RCLONE_KEYS) <= listed, listed
    for k in RCLONE_KEYS:
        got = silt.rclone("cat", f"{remote}:{keyed}/{k}").stdout.encode()
        assert got == content(k), k
    for i, k in enumerate(RCLONE_KEYS):
        src = tmp_path / f"rc{i}"
        src.write_bytes(content(k) + remote.encode())
        silt.rclone("copyto", str(src), f"{remote}:{bucket}/rc-{remote}/{k}")
        assert s3.get_object(Bucket=bucket, Key=f"rc-{remote}/{k}")["Body"].read() == \
            content(k) + remote.encode()
    listed = silt.rclone("lsf", "-R", "--files-only", f"{remote}:{bucket}/rc-{remote}").stdout
    assert sorted(listed.splitlines()) == sorted(RCLONE_KEYS)
