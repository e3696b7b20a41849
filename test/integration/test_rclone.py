"""rclone (Go SDK, UNSIGNED-PAYLOAD + Content-MD5 PUTs, HEAD-after-upload ETag
check) with providers Other (v1 listings, no url encoding) and Minio (v2,
url-encoded listings). clients.md §4. Files here are under rclone's 200 MiB
upload cutoff (single PUTs); test_sync_clients.py covers multipart."""
import os
import re

import pytest


def make_tree(root):
    files = {}
    for i in range(10):
        p = root / f"d{i % 3}" / f"file {i}.bin"
        p.parent.mkdir(parents=True, exist_ok=True)
        data = os.urandom(500 + i * 30_000)
        p.write_bytes(data)
        files[str(p.relative_to(root))] = data
    (root / "top.txt").write_text("top level\n")
    files["top.txt"] = b"top level\n"
    return files


def transferred(stderr: str) -> int:
    """Number of files rclone copied, from its final stats block (-v)."""
    assert "Transferred:" in stderr, stderr[-2000:]
    # rclone prints the file-count line only when something was transferred.
    counts = re.findall(r"^Transferred:\s+(\d+) / \d+, ", stderr, re.M)
    return int(counts[-1]) if counts else 0


@pytest.fixture(params=["other", "minio"])
def remote(request):
    return request.param


def test_copy_check_sync_lsf_delete_purge(silt, s3, bucket, tmp_path, remote):
    src = tmp_path / "src"
    files = make_tree(src)
    dest = f"{remote}:{bucket}/p"
    out = silt.rclone("copy", "-v", str(src), dest)
    assert transferred(out.stderr) == len(files)
    # Single-part uploads: ETag is the MD5 rclone checked after its HEAD.
    for rel, data in files.items():
        assert s3.get_object(Bucket=bucket, Key=f"p/{rel}")["Body"].read() == data
    silt.rclone("check", str(src), dest)
    silt.rclone("check", "--download", str(src), dest)
    # Sync twice: nothing to do the second time.
    out = silt.rclone("sync", "-v", str(src), dest)
    assert transferred(out.stderr) == 0, out.stderr[-2000:]
    dry = silt.rclone("sync", "--dry-run", "-v", str(src), dest)
    assert "Skipped copy" not in dry.stderr and "Not copying" not in dry.stderr, dry.stderr
    # A changed file syncs alone.
    (src / "top.txt").write_text("changed top level\n")
    out = silt.rclone("sync", "-v", str(src), dest)
    assert transferred(out.stderr) == 1
    assert s3.get_object(Bucket=bucket, Key="p/top.txt")["Body"].read() == b"changed top level\n"
    listed = silt.rclone("lsf", "-R", "--files-only", dest).stdout.splitlines()
    assert sorted(listed) == sorted(files)
    assert sorted(silt.rclone("lsf", dest).stdout.splitlines()) == ["d0/", "d1/", "d2/", "top.txt"]
    silt.rclone("delete", f"{dest}/d1")
    assert not [k for k in silt.rclone("lsf", "-R", dest).stdout.splitlines() if k.startswith("d1/f")]
    # Download back and compare.
    back = tmp_path / "back"
    silt.rclone("copy", dest, str(back))
    silt.rclone("check", str(back), dest)
    silt.rclone("purge", dest)
    assert s3.list_objects_v2(Bucket=bucket, Prefix="p/")["KeyCount"] == 0


def test_server_side_copy_and_touch(silt, s3, bucket, tmp_path, remote):
    f = tmp_path / "one.bin"
    f.write_bytes(os.urandom(70_000))
    silt.rclone("copyto", str(f), f"{remote}:{bucket}/a/one.bin")
    silt.rclone("copy", f"{remote}:{bucket}/a", f"{remote}:{bucket}/b")
    assert s3.get_object(Bucket=bucket, Key="b/one.bin")["Body"].read() == f.read_bytes()
    before = s3.head_object(Bucket=bucket, Key="a/one.bin")["Metadata"].get("mtime")
    # touch = CopyObject onto itself with REPLACE (X-CPY-02)
    silt.rclone("touch", "-t", "2020-01-02T03:04:05", f"{remote}:{bucket}/a/one.bin")
    after = s3.head_object(Bucket=bucket, Key="a/one.bin")["Metadata"].get("mtime")
    assert after and after != before and after.startswith("1577934245")
    lsl = silt.rclone("lsl", f"{remote}:{bucket}/a").stdout
    assert "2020-01-02 03:04:05" in lsl, lsl
    assert s3.get_object(Bucket=bucket, Key="a/one.bin")["Body"].read() == f.read_bytes()


def test_mkdir_rmdir_bucket(silt, s3, remote):
    name = f"rc-{remote}-{os.urandom(3).hex()}"
    silt.rclone("mkdir", f"{remote}:{name}")
    s3.head_bucket(Bucket=name)
    silt.rclone("mkdir", f"{remote}:{name}")  # existing bucket is fine
    silt.rclone("rmdir", f"{remote}:{name}")
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
