"""Big objects through aws cli with stock settings: up as multipart in 8 MiB parts,
down as ranged GETs.
The 1 GiB run is slow: SILT_SLOW=1 (scripts/test.sh --slow)."""
import hashlib
import os

import pytest

MiB = 1 << 20


def md5_file(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(4 * MiB), b""):
            h.update(block)
    return h.hexdigest()


def sparse_random(path, size):
    """Random 1 MiB blocks every 4 MiB, holes between them: big on the wire,
    cheap to make, and any misplaced byte range changes the md5."""
    with open(path, "wb") as f:
        for off in range(0, size, 4 * MiB):
            f.seek(off)
            f.write(os.urandom(min(MiB, size - off)))
        f.truncate(size)


def multipart_etag(path, chunk=8 * MiB):
    digests, n = b"", 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digests += hashlib.md5(block).digest()
            n += 1
    return f'"{hashlib.md5(digests).hexdigest()}-{n}"'


def round_trip(silt, s3, bucket, tmp_path, size):
    src = tmp_path / "src.bin"
    sparse_random(src, size)
    silt.aws("s3", "cp", str(src), f"s3://{bucket}/large.bin", timeout=900)
    head = s3.head_object(Bucket=bucket, Key="large.bin")
    assert head["ContentLength"] == size
    assert head["ETag"] == multipart_etag(src)
    dst = tmp_path / "dst.bin"
    silt.aws("s3", "cp", f"s3://{bucket}/large.bin", str(dst), timeout=900)
    assert md5_file(dst) == md5_file(src)


def test_100mib(silt, s3, bucket, tmp_path):
    round_trip(silt, s3, bucket, tmp_path, 100 * MiB + 12345)


@pytest.mark.slow
def test_1gib(silt, s3, bucket, tmp_path):
    round_trip(silt, s3, bucket, tmp_path, 1 << 30)


def test_single_put_48mib(s3, bucket, tmp_path):
    # One PUT (no multipart) whose 4+2 shards pass 8 MiB each, so the shard
    # writer starts writeback mid-file (erasure/shard_file.cpp) before the commit.
    src = tmp_path / "single.bin"
    size = 48 * MiB + 7
    sparse_random(src, size)
    with open(src, "rb") as f:
        put = s3.put_object(Bucket=bucket, Key="single.bin", Body=f)
    assert put["ETag"] == f'"{md5_file(src)}"'
    got = s3.get_object(Bucket=bucket, Key="single.bin")
    h = hashlib.md5()
    for block in got["Body"].iter_chunks(4 * MiB):
        h.update(block)
    assert got["ContentLength"] == size
    assert h.hexdigest() == md5_file(src)
