"""The real sync clients at real sizes with their stock transfer settings, so
multipart is on: aws cli (8 MiB threshold and chunks, CRC32 part checksums),
rclone (providers Other and Minio, 5 MiB chunks above the 200 MiB cutoff; Minio
checks the multipart ETag), s3cmd (15 MiB chunks).
clients.md §3 A-02/A-05/A-06/A-09, §4 R-04/R-06/R-09/R-10/R-11; issue 3 item 7."""
import base64
import hashlib
import json
import os
import re
import time

import pytest

MiB = 1 << 20


def sparse_random(path, size):
    """Random 1 MiB blocks every 4 MiB, holes between them: big on the wire,
    cheap to make, and any misplaced byte range changes the md5."""
    with open(path, "wb") as f:
        for off in range(0, size, 4 * MiB):
            f.seek(off)
            f.write(os.urandom(min(MiB, size - off)))
        f.truncate(size)
    return path


def md5_file(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(4 * MiB), b""):
            h.update(block)
    return h


def mpu_etag_file(path, chunk):
    """The multipart ETag a client cutting the file into `chunk`-sized parts gets."""
    digests, n = b"", 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digests += hashlib.md5(block).digest()
            n += 1
    return f'"{hashlib.md5(digests).hexdigest()}-{n}"'


def aws_json(silt, *args):
    return json.loads(silt.aws(*args, "--output", "json").stdout or "null")


def transfers(out: str):
    return [line for line in out.splitlines()
            if line.startswith(("upload:", "download:", "copy:", "delete:", "move:"))]


def rclone_transferred(stderr: str) -> int:
    assert "Transferred:" in stderr, stderr[-2000:]
    counts = re.findall(r"^Transferred:\s+(\d+) / \d+, ", stderr, re.M)
    return int(counts[-1]) if counts else 0


def no_uploads_left(s3, bucket):
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


# --- aws cli ----------------------------------------------------------------------------

def test_aws_cp_200mib_multipart_up_down_and_s3_to_s3(silt, s3, bucket, tmp_path):
    size = 200 * MiB + 12345
    src = sparse_random(tmp_path / "big.bin", size)
    silt.aws("s3", "cp", str(src), f"s3://{bucket}/big.bin", timeout=600)
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == size
    assert head["ETag"] == mpu_etag_file(src, 8 * MiB)  # 26 parts of 8 MiB
    no_uploads_left(s3, bucket)
    dst = tmp_path / "down.bin"
    silt.aws("s3", "cp", f"s3://{bucket}/big.bin", str(dst), timeout=600)
    assert md5_file(dst).hexdigest() == md5_file(src).hexdigest()
    # s3 -> s3: HeadObject, then CreateMPU + UploadPartCopy in 8 MiB ranges + Complete.
    silt.aws("s3", "cp", f"s3://{bucket}/big.bin", f"s3://{bucket}/copy/big.bin", timeout=600)
    copy = s3.head_object(Bucket=bucket, Key="copy/big.bin")
    assert copy["ContentLength"] == size and copy["ETag"] == head["ETag"]
    no_uploads_left(s3, bucket)


def test_aws_sync_twice_delete_and_rm_recursive(silt, s3, bucket, tmp_path):
    src = tmp_path / "src"
    for i in range(15):
        p = src / f"part={i % 3}" / f"f{i}.bin"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(os.urandom(1000 + i * 7000))
    sparse_random(src / "big1.bin", 9 * MiB + 1)      # two parts
    sparse_random(src / "big2.bin", 17 * MiB + 3)     # three parts
    files = {str(p.relative_to(src)): p for p in src.rglob("*.bin")}
    first = silt.aws("s3", "sync", str(src), f"s3://{bucket}/p").stdout
    assert len(transfers(first)) == len(files) == 17, first
    # LastModified in the listing is the completion time and agrees with HEAD: nothing to do.
    second = silt.aws("s3", "sync", str(src), f"s3://{bucket}/p")
    assert second.stdout.strip() == "", second.stdout
    listed = {o["Key"]: o for o in s3.list_objects_v2(Bucket=bucket, Prefix="p/")["Contents"]}
    for key in ("p/big1.bin", "p/big2.bin"):
        head = s3.head_object(Bucket=bucket, Key=key)
        # Same instant; HEAD's Last-Modified has whole seconds, the listing may have ms.
        assert listed[key]["LastModified"].replace(microsecond=0) == head["LastModified"]
        assert listed[key]["ETag"] == head["ETag"] == mpu_etag_file(src / key[2:], 8 * MiB)
    # Down, twice.
    dst = tmp_path / "dst"
    down = silt.aws("s3", "sync", f"s3://{bucket}/p", str(dst)).stdout
    assert len(transfers(down)) == 17
    again = silt.aws("s3", "sync", f"s3://{bucket}/p", str(dst))
    assert again.stdout.strip() == "", again.stdout
    for rel, p in files.items():
        assert md5_file(dst / rel).digest() == md5_file(p).digest(), rel
    # --delete: one DeleteObject per vanished file.
    (src / "big2.bin").unlink()
    (src / "part=0" / "f0.bin").unlink()
    out = silt.aws("s3", "sync", "--delete", str(src), f"s3://{bucket}/p").stdout
    assert sorted(t.split()[0] for t in transfers(out)) == ["delete:", "delete:"], out
    assert s3.list_objects_v2(Bucket=bucket, Prefix="p/")["KeyCount"] == 15
    out = silt.aws("s3", "rm", "--recursive", f"s3://{bucket}/p").stdout
    assert len(transfers(out)) == 15
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_aws_s3api_multipart_and_list_multipart_uploads(silt, s3, bucket, tmp_path):
    created = aws_json(silt, "s3api", "create-multipart-upload", "--bucket", bucket,
                       "--key", "dir/manual.bin")
    uid = created["UploadId"]
    parts = [os.urandom(5 * MiB), os.urandom(1000)]
    done = []
    for n, data in enumerate(parts, 1):
        f = tmp_path / f"part{n}"
        f.write_bytes(data)
        resp = aws_json(silt, "s3api", "upload-part", "--bucket", bucket, "--key",
                        "dir/manual.bin", "--upload-id", uid, "--part-number", str(n),
                        "--body", str(f))
        assert resp["ETag"] == '"' + hashlib.md5(data).hexdigest() + '"'
        done.append({"PartNumber": n, "ETag": resp["ETag"]})
    listed = aws_json(silt, "s3api", "list-multipart-uploads", "--bucket", bucket,
                      "--prefix", "dir/")
    assert [(u["Key"], u["UploadId"]) for u in listed["Uploads"]] == [("dir/manual.bin", uid)]
    lp = aws_json(silt, "s3api", "list-parts", "--bucket", bucket, "--key", "dir/manual.bin",
                  "--upload-id", uid)
    assert [p["PartNumber"] for p in lp["Parts"]] == [1, 2]
    mpu = tmp_path / "parts.json"
    mpu.write_text(json.dumps({"Parts": done}))
    resp = aws_json(silt, "s3api", "complete-multipart-upload", "--bucket", bucket, "--key",
                    "dir/manual.bin", "--upload-id", uid, "--multipart-upload", f"file://{mpu}")
    md5s = b"".join(hashlib.md5(p).digest() for p in parts)
    assert resp["ETag"] == f'"{hashlib.md5(md5s).hexdigest()}-2"'
    no_uploads_left(s3, bucket)
    # abort through the cli
    uid2 = aws_json(silt, "s3api", "create-multipart-upload", "--bucket", bucket,
                    "--key", "x")["UploadId"]
    silt.aws("s3api", "abort-multipart-upload", "--bucket", bucket, "--key", "x",
             "--upload-id", uid2)
    no_uploads_left(s3, bucket)


def test_aws_s3api_list_object_versions(silt, s3, bucket):
    silt.aws("s3api", "put-bucket-versioning", "--bucket", bucket,
             "--versioning-configuration", "Status=Enabled")
    got = aws_json(silt, "s3api", "get-bucket-versioning", "--bucket", bucket)
    assert got["Status"] == "Enabled"
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"two!")["VersionId"]
    dm = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    out = aws_json(silt, "s3api", "list-object-versions", "--bucket", bucket)
    assert [(v["VersionId"], v["IsLatest"], v["Size"]) for v in out["Versions"]] == [
        (v2, False, 4), (v1, False, 3)]
    assert [(d["VersionId"], d["IsLatest"]) for d in out["DeleteMarkers"]] == [(dm, True)]
    # Paged by the cli itself (key/version-id markers under the hood).
    paged = aws_json(silt, "s3api", "list-object-versions", "--bucket", bucket,
                     "--page-size", "1")
    assert [v["VersionId"] for v in paged["Versions"]] == [v2, v1]


# --- rclone -----------------------------------------------------------------------------

@pytest.mark.parametrize("remote", ["other", "minio"])
def test_rclone_copyto_300mib_multipart_and_check(silt, s3, bucket, tmp_path, remote):
    src_dir = tmp_path / "src"
    src_dir.mkdir()
    src = sparse_random(src_dir / "big.bin", 300 * MiB + 7)
    out = silt.rclone("copyto", "-v", str(src), f"{remote}:{bucket}/d/big.bin", timeout=900)
    assert rclone_transferred(out.stderr) == 1
    head = s3.head_object(Bucket=bucket, Key="d/big.bin")
    assert head["ContentLength"] == 300 * MiB + 7
    assert head["ETag"] == mpu_etag_file(src, 5 * MiB)  # rclone's 5 MiB chunks: 61 parts
    md5 = md5_file(src)
    assert head["Metadata"]["md5chksum"] == base64.b64encode(md5.digest()).decode()
    no_uploads_left(s3, bucket)
    silt.rclone("check", str(src_dir), f"{remote}:{bucket}/d")
    if remote == "minio":
        silt.rclone("check", "--download", str(src_dir), f"{remote}:{bucket}/d", timeout=900)
    assert silt.rclone("md5sum", f"{remote}:{bucket}/d/big.bin").stdout.split()[0] == md5.hexdigest()


@pytest.mark.parametrize("remote", ["other", "minio"])
def test_rclone_sync_server_side_copy_purge(silt, s3, bucket, tmp_path, remote):
    # Small cutoff and chunks so the 12 MiB file goes multipart inside the sync.
    mp = ("--s3-upload-cutoff", "6M", "--s3-chunk-size", "5M")
    src = tmp_path / "src"
    for i in range(10):
        p = src / f"d{i % 2}" / f"f {i}.bin"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(os.urandom(100 + i * 9000))
    sparse_random(src / "big.bin", 12 * MiB + 5)
    dest = f"{remote}:{bucket}/p"
    out = silt.rclone("sync", "-v", *mp, str(src), dest)
    assert rclone_transferred(out.stderr) == 11
    assert s3.head_object(Bucket=bucket, Key="p/big.bin")["ETag"].endswith('-3"')
    out = silt.rclone("sync", "-v", *mp, str(src), dest)
    assert rclone_transferred(out.stderr) == 0, out.stderr[-2000:]
    silt.rclone("check", str(src), dest)
    # touch on the multipart object = CopyObject onto itself with REPLACE (X-CPY-02).
    silt.rclone("touch", "-t", "2021-02-03T04:05:06", f"{dest}/big.bin")
    touched = s3.head_object(Bucket=bucket, Key="p/big.bin")
    assert touched["Metadata"]["mtime"].startswith("1612325106")
    assert touched["ContentLength"] == 12 * MiB + 5
    assert "2021-02-03 04:05:06" in silt.rclone("lsl", f"{dest}/big.bin").stdout
    # Server-side copy between prefixes (CopyObject; nothing goes through rclone).
    out = silt.rclone("copy", "-v", dest, f"{remote}:{bucket}/q")
    assert rclone_transferred(out.stderr) == 11
    assert "Copied (server-side copy)" in out.stderr, out.stderr[-2000:]
    for o in s3.list_objects_v2(Bucket=bucket, Prefix="p/")["Contents"]:
        q = s3.head_object(Bucket=bucket, Key="q/" + o["Key"][2:])
        assert q["ContentLength"] == o["Size"] and q["Metadata"].get("mtime")
    silt.rclone("check", str(src), f"{remote}:{bucket}/q")
    silt.rclone("purge", f"{remote}:{bucket}/q")
    assert s3.list_objects_v2(Bucket=bucket, Prefix="q/")["KeyCount"] == 0
    assert s3.list_objects_v2(Bucket=bucket, Prefix="p/")["KeyCount"] == 11


def test_rclone_cleanup_aborts_old_uploads(silt, s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="stale/x")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="stale/x", UploadId=uid, PartNumber=1, Body=b"x" * 1000)
    # `rclone cleanup` only removes uploads older than 24 h: this one stays.
    silt.rclone("cleanup", f"other:{bucket}")
    ups = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    assert [u["UploadId"] for u in ups] == [uid]
    time.sleep(2)
    silt.rclone("backend", "cleanup", f"minio:{bucket}", "-o", "max-age=1s")
    no_uploads_left(s3, bucket)


# --- s3cmd ------------------------------------------------------------------------------

def test_s3cmd_multipart_put_get_sync(silt, s3, bucket, tmp_path):
    src_dir = tmp_path / "src"
    src_dir.mkdir()
    src = sparse_random(src_dir / "forty.bin", 40 * MiB + 9)
    (src_dir / "small.txt").write_text("small\n")
    silt.s3cmd("put", str(src), f"s3://{bucket}/m/forty.bin")  # default 15 MiB chunks
    head = s3.head_object(Bucket=bucket, Key="m/forty.bin")
    assert head["ContentLength"] == 40 * MiB + 9
    assert head["ETag"] == mpu_etag_file(src, 15 * MiB)  # 3 parts: it went multipart
    no_uploads_left(s3, bucket)
    back = tmp_path / "back.bin"
    silt.s3cmd("get", f"s3://{bucket}/m/forty.bin", str(back))
    assert md5_file(back).digest() == md5_file(src).digest()
    first = silt.s3cmd("sync", f"{src_dir}/", f"s3://{bucket}/s/").stdout
    assert first.count("upload:") == 2, first
    # s3cmd compares the md5 it stored in x-amz-meta-s3cmd-attrs, not the -N ETag.
    second = silt.s3cmd("sync", f"{src_dir}/", f"s3://{bucket}/s/").stdout
    assert "upload:" not in second, second
