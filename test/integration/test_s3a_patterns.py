"""Hadoop S3A (Spark) request sequences replayed with raw signed requests: no JVM
S3 SDK is installable here, so each test issues the S3AFileSystem call sequence
of clients.md §5 S-01..S-08 with the same request shapes: signed aws-chunked
(STREAMING-AWS4-HMAC-SHA256-PAYLOAD) bodies over http, HEAD-then-LIST probes with
max-keys=2, application/x-directory markers, max-keys=5000 listings without
encoding-type, quiet bulk deletes of 250 keys, rename by CopyObject with
x-amz-copy-source-if-match and UploadPartCopy in 64 MiB parts, ranged GETs with
If-Match, and the magic committer's uncompleted uploads. Issue 3 item 7."""
import base64
import concurrent.futures
import hashlib
import json
import os
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

import pytest

from silt_server import bucket_name

MiB = 1 << 20
PART = 64 * MiB          # fs.s3a.multipart.size
CHUNK = 64 * 1024        # the Java SDK's aws-chunked chunk size
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
MAGIC_LEN = "x-amz-meta-x-hadoop-s3a-magic-data-length"


# --- the S3A client, reduced to its requests ------------------------------------------

def put(silt, bucket, key, data=b"", headers=None):
    """PutObject the way the Java SDK sends it over http: signed aws-chunked."""
    h = {"Content-Type": "application/octet-stream"}
    h.update(headers or {})
    return silt.request("PUT", bucket, key, headers=h, body=data, streaming_chunk=CHUNK)


def head(silt, bucket, key, headers=None):
    return silt.request("HEAD", bucket, key, headers=headers)


def list_v2(silt, bucket, prefix, delimiter=None, max_keys=5000, token=None):
    """S3A listStatus: ListObjectsV2, no encoding-type (keys come back raw), the
    v1-SDK's fetch-owner=false, max-keys above 1000."""
    params = [("list-type", "2"), ("prefix", prefix), ("max-keys", str(max_keys)),
              ("fetch-owner", "false")]
    if delimiter:
        params.append(("delimiter", delimiter))
    if token:
        params.append(("continuation-token", token))
    return silt.request("GET", bucket, "", params)


def list_all(silt, bucket, prefix, delimiter=None, max_keys=5000):
    keys, prefixes, pages, token = [], [], 0, None
    while True:
        r = list_v2(silt, bucket, prefix, delimiter, max_keys, token)
        assert r.status == 200, r
        root = ET.fromstring(r.body)
        pages += 1
        page_keys = [c.findtext(NS + "Key") for c in root.iter(NS + "Contents")]
        assert len(page_keys) <= 1000
        assert int(root.findtext(NS + "KeyCount")) == len(page_keys) + len(
            list(root.iter(NS + "CommonPrefixes")))
        keys += page_keys
        prefixes += [p.findtext(NS + "Prefix") for p in root.iter(NS + "CommonPrefixes")]
        if root.findtext(NS + "IsTruncated") != "true":
            return keys, prefixes, pages
        token = root.findtext(NS + "NextContinuationToken")
        assert token


def get_file_status(silt, bucket, key):
    """S-01: HEAD (unless the key ends in /), then LIST prefix=key/ delimiter=/ max-keys=2.
    Returns 'file', 'empty-dir', 'dir' or 'missing'; raises on a missing bucket."""
    if key and not key.endswith("/"):
        r = head(silt, bucket, key)
        if r.status == 200:
            return "file"
        assert r.status == 404, r
    prefix = key.rstrip("/") + "/" if key else ""
    r = list_v2(silt, bucket, prefix, "/", max_keys=2)
    if r.status == 404:
        raise LookupError(r.error_code())
    assert r.status == 200, r
    root = ET.fromstring(r.body)
    contents = [c.findtext(NS + "Key") for c in root.iter(NS + "Contents")]
    prefixes = list(root.iter(NS + "CommonPrefixes"))
    if not contents and not prefixes:
        return "missing"
    if contents == [prefix] and not prefixes:
        return "empty-dir"
    return "dir"


def mkdirs(silt, bucket, path):
    """S-02: probe the path and each ancestor, then PUT path/ as a directory marker."""
    parts = path.strip("/").split("/")
    for i in range(len(parts), 0, -1):
        status = get_file_status(silt, bucket, "/".join(parts[:i]))
        assert status != "file", f"{'/'.join(parts[:i])} is a file"
        if status != "missing":
            break
    r = put(silt, bucket, path.strip("/") + "/", b"",
            headers={"Content-Type": "application/x-directory"})
    assert r.status == 200, r


def delete_objects(silt, bucket, keys, quiet=True):
    """S-05 bulk delete: quiet, with Content-MD5 like SDK v1 / pre-2.30 SDK v2."""
    body = ('<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/'
            f'doc/2006-03-01/"><Quiet>{"true" if quiet else "false"}</Quiet>'
            + "".join(f"<Object><Key>{escape(k)}</Key></Object>" for k in keys)
            + "</Delete>").encode()
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    r = silt.request("POST", bucket, "", [("delete", None)],
                     headers={"Content-MD5": md5, "Content-Type": "application/xml"}, body=body,
                     timeout=120)  # 250 deletes; generous for a loaded 2-core machine
    assert r.status == 200, r
    root = ET.fromstring(r.body)
    errors = [(e.findtext(NS + "Key"), e.findtext(NS + "Code")) for e in root.iter(NS + "Error")]
    assert errors == [], errors  # S3A raises MultiObjectDeleteException on any
    return [d.findtext(NS + "Key") for d in root.iter(NS + "Deleted")]


def delete_parent_markers(silt, bucket, key):
    """S-03 with marker policy `delete`: after each write, every parent marker."""
    parts = key.split("/")[:-1]
    markers = ["/".join(parts[:i]) + "/" for i in range(len(parts), 0, -1)]
    return delete_objects(silt, bucket, markers)


def create_mpu(silt, bucket, key, headers=None):
    r = silt.request("POST", bucket, key, [("uploads", None)], headers=headers)
    assert r.status == 200, r
    return ET.fromstring(r.body).findtext(NS + "UploadId")


def upload_part(silt, bucket, key, uid, n, data):
    r = silt.request("PUT", bucket, key, [("partNumber", str(n)), ("uploadId", uid)],
                     headers={"Content-MD5": base64.b64encode(hashlib.md5(data).digest()).decode()},
                     body=data, streaming_chunk=CHUNK, timeout=120)
    assert r.status == 200, r
    return r.header("etag")


def complete_mpu(silt, bucket, key, uid, etags):
    body = ("<CompleteMultipartUpload>" + "".join(
        f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>"
        for n, e in enumerate(etags, 1)) + "</CompleteMultipartUpload>").encode()
    return silt.request("POST", bucket, key, [("uploadId", uid)], body=body, timeout=120)


def mpu_etag(parts):
    return '"%s-%d"' % (hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest(),
                        len(parts))


def list_uploads(silt, bucket, prefix):
    r = silt.request("GET", bucket, "", [("uploads", None), ("prefix", prefix)])
    assert r.status == 200, r
    root = ET.fromstring(r.body)
    return [(u.findtext(NS + "Key"), u.findtext(NS + "UploadId")) for u in root.iter(NS + "Upload")]


# --- S-01 / S-02 ------------------------------------------------------------------------

def test_get_file_status_probes(silt, bucket):
    assert put(silt, bucket, "data/file.csv", b"a,b\n").status == 200
    assert put(silt, bucket, "data/empty/", headers={
        "Content-Type": "application/x-directory"}).status == 200
    assert put(silt, bucket, "data/full/x/y.parquet", b"PAR1").status == 200
    assert get_file_status(silt, bucket, "data/file.csv") == "file"
    assert get_file_status(silt, bucket, "data/empty") == "empty-dir"
    assert get_file_status(silt, bucket, "data/full") == "dir"
    assert get_file_status(silt, bucket, "data/full/x") == "dir"
    assert get_file_status(silt, bucket, "data/nothing") == "missing"
    assert get_file_status(silt, bucket, "dat") == "missing"  # a prefix of a name is no dir
    assert get_file_status(silt, bucket, "") == "dir"  # root: LIST only


def test_missing_bucket_is_404_no_such_bucket_on_list(silt):
    missing = bucket_name("s3a-missing")
    assert head(silt, missing, "some/key").status == 404
    r = list_v2(silt, missing, "some/key/", "/", max_keys=2)
    assert r.status == 404 and r.error_code() == "NoSuchBucket", r
    with pytest.raises(LookupError, match="NoSuchBucket"):
        get_file_status(silt, missing, "some/key")


def test_mkdirs_puts_directory_marker(silt, s3, bucket):
    mkdirs(silt, bucket, "warehouse/db/table")
    h = head(silt, bucket, "warehouse/db/table/")
    assert h.status == 200 and h.header("content-length") == "0"
    assert h.header("content-type") == "application/x-directory"
    assert get_file_status(silt, bucket, "warehouse/db/table") == "empty-dir"
    assert get_file_status(silt, bucket, "warehouse/db") == "dir"
    # mkdirs below a file is refused by the client after the HEAD says "file".
    assert put(silt, bucket, "warehouse/f", b"x").status == 200
    with pytest.raises(AssertionError, match="is a file"):
        mkdirs(silt, bucket, "warehouse/f/sub")
    # The marker lists as a zero-byte key ending in /.
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="warehouse/db/")["Contents"]
    assert [(o["Key"], o["Size"]) for o in listed] == [("warehouse/db/table/", 0)]


# --- S-03 --------------------------------------------------------------------------------

def test_write_then_delete_parent_markers(silt, s3, bucket):
    mkdirs(silt, bucket, "out/year=2026/month=11")
    data = os.urandom(300_000)
    assert put(silt, bucket, "out/year=2026/month=11/part-0000.csv", data).status == 200
    # Quiet delete of every parent marker, existing or not: no Deleted, no Error.
    deleted = delete_parent_markers(silt, bucket, "out/year=2026/month=11/part-0000.csv")
    assert deleted == []
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["out/year=2026/month=11/part-0000.csv"]
    assert s3.get_object(Bucket=bucket, Key=keys[0])["Body"].read() == data
    # Zero-byte _SUCCESS.
    assert put(silt, bucket, "out/_SUCCESS", b"").status == 200
    assert head(silt, bucket, "out/_SUCCESS").header("content-length") == "0"


def test_block_output_stream_multipart_64mib_parts(silt, s3, bucket):
    """A file over one block: CreateMPU, parts of 64 MiB uploaded concurrently as
    signed aws-chunked with Content-MD5, Complete at close()."""
    parts = [os.urandom(PART), os.urandom(3 * MiB + 11)]
    uid = create_mpu(silt, bucket, "big/part-0001.parquet",
                     headers={"Content-Type": "application/octet-stream"})
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        futs = [pool.submit(upload_part, silt, bucket, "big/part-0001.parquet", uid, n, p)
                for n, p in ((2, parts[1]), (1, parts[0]))]
        etags = [f.result() for f in futs][::-1]
    r = complete_mpu(silt, bucket, "big/part-0001.parquet", uid, etags)
    assert r.status == 200 and b"<Error>" not in r.body, r
    assert ET.fromstring(r.body).findtext(NS + "ETag") == mpu_etag(parts)
    h = head(silt, bucket, "big/part-0001.parquet")
    assert h.header("etag") == mpu_etag(parts)
    assert int(h.header("content-length")) == PART + 3 * MiB + 11
    got = s3.get_object(Bucket=bucket, Key="big/part-0001.parquet",
                        Range=f"bytes={PART - 5}-{PART + 4}")["Body"].read()
    assert got == parts[0][-5:] + parts[1][:5]


# --- S-04 / S-05 ---------------------------------------------------------------------------

@pytest.fixture
def many(silt, s3, bucket):
    """1100 files in one directory (more than one 1000-key page), two subdirs,
    and keys that must come back raw without encoding-type."""
    keys = [f"tbl/part-{i:05d}.csv" for i in range(1100)]
    keys += ["tbl/sub a/x.csv", "tbl/sub+b/y.csv", "tbl/odd key+&=.csv"]

    def one(k):
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(one, keys))
    return bucket, keys


def test_list_status_max_keys_5000_pages(silt, many):
    bucket, keys = many
    files, dirs, pages = list_all(silt, bucket, "tbl/", "/")
    assert pages >= 2  # max-keys is clamped to 1000 per page, not refused
    assert files == sorted(k for k in keys if k.count("/") == 1)
    assert dirs == ["tbl/sub a/", "tbl/sub+b/"]
    assert "tbl/odd key+&=.csv" in files  # raw: no url encoding without encoding-type
    # listFiles(recursive): no delimiter.
    files, dirs, _ = list_all(silt, bucket, "tbl/")
    assert files == sorted(keys) and dirs == []


def test_delete_directory_in_pages_of_250(silt, s3, many):
    bucket, keys = many
    files, _, _ = list_all(silt, bucket, "tbl/")
    doomed = files + ["tbl/never-existed.csv"]
    for i in range(0, len(doomed), 250):
        assert delete_objects(silt, bucket, doomed[i:i + 250]) == []
    assert s3.list_objects_v2(Bucket=bucket, Prefix="tbl/")["KeyCount"] == 0
    # The parent became empty: S3A puts its marker back.
    assert put(silt, bucket, "tbl/", headers={"Content-Type": "application/x-directory"}).status == 200
    assert get_file_status(silt, bucket, "tbl") == "empty-dir"
    # Non-quiet mode reports each key (missing ones too) as Deleted.
    deleted = delete_objects(silt, bucket, ["tbl/", "tbl/ghost"], quiet=False)
    assert sorted(deleted) == ["tbl/", "tbl/ghost"]


# --- S-06 rename ---------------------------------------------------------------------------

def copy_with_if_match(silt, bucket, src, dst):
    """HEAD source, then CopyObject with copy-source-if-match + REPLACE and the cloned
    metadata (H34 RequestFactoryImpl.newCopyObjectRequestBuilder)."""
    h = head(silt, bucket, src)
    assert h.status == 200, h
    headers = {"x-amz-copy-source": f"{bucket}/{src}",
               "x-amz-copy-source-if-match": h.header("etag"),
               "x-amz-metadata-directive": "REPLACE",
               "Content-Type": h.header("content-type"),
               "x-amz-storage-class": "STANDARD"}
    headers.update({k: v for k, v in h.headers.items() if k.startswith("x-amz-meta-")})
    return silt.request("PUT", bucket, dst, headers=headers), h


def test_rename_directory(silt, s3, bucket):
    small = {f"job/_temporary/0/task_{i}/part-{i}.csv": os.urandom(1000 + i) for i in range(6)}
    for k, v in small.items():
        assert put(silt, bucket, k, v, headers={"x-amz-meta-origin": "task"}).status == 200
    big = [os.urandom(PART), os.urandom(MiB + 3)]
    uid = create_mpu(silt, bucket, "job/_temporary/0/task_big/big.bin")
    etags = [upload_part(silt, bucket, "job/_temporary/0/task_big/big.bin", uid, n, p)
             for n, p in enumerate(big, 1)]
    assert complete_mpu(silt, bucket, "job/_temporary/0/task_big/big.bin", uid, etags).status == 200
    src_keys, _, _ = list_all(silt, bucket, "job/_temporary/")
    assert len(src_keys) == 7
    # Up to 10 copies in parallel.
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        results = list(pool.map(
            lambda k: copy_with_if_match(silt, bucket, k, k.replace("_temporary/0/", "final/")),
            [k for k in src_keys if not k.endswith("big.bin")]))
    for r, h in results:
        assert r.status == 200 and b"<Error>" not in r.body, r
        assert ET.fromstring(r.body).findtext(NS + "ETag") == h.header("etag")
    # The big file: UploadPartCopy in 64 MiB ranges, each guarded by the source ETag.
    src, dst = "job/_temporary/0/task_big/big.bin", "job/final/task_big/big.bin"
    h = head(silt, bucket, src)
    size, etag = int(h.header("content-length")), h.header("etag")
    uid = create_mpu(silt, bucket, dst, headers={"Content-Type": h.header("content-type")})
    part_etags = []
    for n, start in enumerate(range(0, size, PART), 1):
        end = min(start + PART, size) - 1
        r = silt.request("PUT", bucket, dst, [("partNumber", str(n)), ("uploadId", uid)], headers={
            "x-amz-copy-source": f"{bucket}/{src}",
            "x-amz-copy-source-range": f"bytes={start}-{end}",
            "x-amz-copy-source-if-match": etag}, timeout=120)
        assert r.status == 200, r
        part_etags.append(ET.fromstring(r.body).findtext(NS + "ETag"))
    r = complete_mpu(silt, bucket, dst, uid, part_etags)
    assert r.status == 200 and b"<Error>" not in r.body, r
    assert head(silt, bucket, dst).header("etag") == mpu_etag(big)
    # Delete the sources in pages of 250.
    for i in range(0, len(src_keys), 250):
        delete_objects(silt, bucket, src_keys[i:i + 250])
    files, _, _ = list_all(silt, bucket, "job/")
    assert files == sorted(k.replace("_temporary/0/", "final/") for k in src_keys)
    for k, v in small.items():
        got = s3.get_object(Bucket=bucket, Key=k.replace("_temporary/0/", "final/"))
        assert got["Body"].read() == v and got["Metadata"] == {"origin": "task"}
    assert s3.get_object(Bucket=bucket, Key=dst, Range=f"bytes={PART}-")["Body"].read() == big[1]


def test_rename_source_changed_gives_412(silt, bucket):
    assert put(silt, bucket, "src.csv", b"v1").status == 200
    h = head(silt, bucket, "src.csv")
    assert put(silt, bucket, "src.csv", b"v2 changed").status == 200  # overwritten meanwhile
    r = silt.request("PUT", bucket, "dst.csv", headers={
        "x-amz-copy-source": f"{bucket}/src.csv", "x-amz-copy-source-if-match": h.header("etag"),
        "x-amz-metadata-directive": "REPLACE", "Content-Type": "text/csv"})
    assert r.status == 412 and r.error_code() == "PreconditionFailed", r
    assert head(silt, bucket, "dst.csv").status == 404
    uid = create_mpu(silt, bucket, "dst.bin")
    r = silt.request("PUT", bucket, "dst.bin", [("partNumber", "1"), ("uploadId", uid)], headers={
        "x-amz-copy-source": f"{bucket}/src.csv", "x-amz-copy-source-range": "bytes=0-1",
        "x-amz-copy-source-if-match": h.header("etag")})
    assert r.status == 412 and r.error_code() == "PreconditionFailed", r
    assert silt.request("DELETE", bucket, "dst.bin", [("uploadId", uid)]).status == 204


# --- S-07 reads ----------------------------------------------------------------------------

def test_ranged_reads_with_if_match(silt, bucket):
    data = os.urandom(2 * MiB + 17)
    assert put(silt, bucket, "t/f.orc", data).status == 200
    h = head(silt, bucket, "t/f.orc")
    etag, size = h.header("etag"), int(h.header("content-length"))
    assert etag and size == len(data)
    # sequential, then random (vectored) reads, all with If-Match.
    ranges = [(0, size - 1), (size - 16 * 1024, size - 1), (100, 100 + 65535),
              (MiB, MiB + 1024 * 1024 - 1)]

    def read(rng):
        a, b = rng
        return a, b, silt.request("GET", bucket, "t/f.orc",
                                  headers={"Range": f"bytes={a}-{b}", "If-Match": etag})

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for a, b, r in pool.map(read, ranges):
            assert r.status == 206, r
            assert r.header("content-range") == f"bytes {a}-{b}/{size}"
            assert r.body == data[a:b + 1]
    # A read past the end: 416, which S3A turns into EOF.
    r = silt.request("GET", bucket, "t/f.orc",
                     headers={"Range": f"bytes={size}-{size + 100}", "If-Match": etag})
    assert r.status == 416 and r.error_code() == "InvalidRange", r
    assert r.header("content-range") == f"bytes */{size}"
    # Overwritten while open: the next ranged read fails with 412 (RemoteFileChangedException).
    assert put(silt, bucket, "t/f.orc", os.urandom(1000)).status == 200
    r = silt.request("GET", bucket, "t/f.orc", headers={"Range": "bytes=0-99", "If-Match": etag})
    assert r.status == 412 and r.error_code() == "PreconditionFailed", r


# --- S-08 magic committer ------------------------------------------------------------------

def test_magic_committer(silt, s3, bucket):
    dest = "warehouse/events"
    magic = f"{dest}/__magic_job-0001/job-0001/tasks/attempt_0001_m_000000_0/__base"
    mkdirs(silt, bucket, dest)
    # Task: each output stream uploads its parts to the FINAL key and does not complete.
    outputs = {}
    for name, parts in (("part-0000.parquet", [os.urandom(6 * MiB), os.urandom(1000)]),
                        ("part-0001.parquet", [os.urandom(2000)])):
        final = f"{dest}/{name}"
        uid = create_mpu(silt, bucket, final)
        etags = [upload_part(silt, bucket, final, uid, n, p) for n, p in enumerate(parts, 1)]
        length = sum(map(len, parts))
        # The 0-byte marker at the magic path carries the data length...
        r = put(silt, bucket, f"{magic}/{name}", b"", headers={MAGIC_LEN: str(length)})
        assert r.status == 200, r
        # ... and the .pending file describes the upload for the job committer.
        pending = {"destinationKey": final, "uploadId": uid, "etags": etags, "length": length}
        assert put(silt, bucket, f"{magic}/{name}.pending",
                   json.dumps(pending).encode()).status == 200
        outputs[name] = (final, uid, parts)
    # The marker's metadata comes back on HEAD (S3A reads the length from it).
    h = head(silt, bucket, f"{magic}/part-0000.parquet")
    assert h.status == 200 and h.header("content-length") == "0"
    assert h.header(MAGIC_LEN) == str(6 * MiB + 1000)
    # Nothing is visible at the destination before job commit.
    for final, _, _ in outputs.values():
        assert head(silt, bucket, final).status == 404
    # A failed task attempt left an upload of its own behind.
    orphan = create_mpu(silt, bucket, f"{dest}/part-0002.parquet")
    upload_part(silt, bucket, f"{dest}/part-0002.parquet", orphan, 1, b"half written")
    assert sorted(list_uploads(silt, bucket, dest + "/")) == sorted(
        [(f, u) for f, u, _ in outputs.values()] + [(f"{dest}/part-0002.parquet", orphan)])
    # Job commit, later, in the driver: another client reads the .pending files and completes.
    driver = silt.boto3()
    for name in ("part-0000.parquet", "part-0001.parquet"):
        pending = json.loads(driver.get_object(Bucket=bucket, Key=f"{magic}/{name}.pending")[
            "Body"].read())
        resp = driver.complete_multipart_upload(
            Bucket=bucket, Key=pending["destinationKey"], UploadId=pending["uploadId"],
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e}
                                       for n, e in enumerate(pending["etags"], 1)]})
        assert resp["ETag"] == mpu_etag(outputs[name][2])
    # Cleanup: abort what is still pending under the destination, delete __magic, _SUCCESS.
    for key, uid in list_uploads(silt, bucket, dest + "/"):
        assert (key, uid) == (f"{dest}/part-0002.parquet", orphan)
        assert silt.request("DELETE", bucket, key, [("uploadId", uid)]).status == 204
    assert list_uploads(silt, bucket, dest + "/") == []
    magic_keys, _, _ = list_all(silt, bucket, f"{dest}/__magic_job-0001/")
    assert len(magic_keys) == 4
    delete_objects(silt, bucket, magic_keys)
    success = json.dumps({"name": "org.apache.hadoop.fs.s3a.commit.files.SuccessData/1",
                          "committer": "magic"}).encode()
    assert put(silt, bucket, f"{dest}/_SUCCESS", success,
               headers={"Content-Type": "application/json"}).status == 200
    files, dirs, _ = list_all(silt, bucket, dest + "/", "/")
    assert files == [f"{dest}/", f"{dest}/_SUCCESS", f"{dest}/part-0000.parquet",
                     f"{dest}/part-0001.parquet"] and dirs == []
    for final, _, parts in outputs.values():
        assert s3.get_object(Bucket=bucket, Key=final)["Body"].read() == b"".join(parts)
