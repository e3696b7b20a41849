"""Erasure coding (4 data + 2 parity): losing any two drives while silt runs, and
across a restart, loses no object."""
import hashlib
import os
import shutil

import pytest

MiB = 1 << 20
# The empty object last: test_http covers the PUT that follows an empty PUT.
SIZES = [1, 1000, 64 * 1024 + 1, MiB + 1, 4 * MiB + 5, 9 * MiB + 3, 0]


def wipe(drive):
    for child in drive.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def upload(s3, bucket):
    objects = {}
    for i, size in enumerate(SIZES):
        data = os.urandom(size)
        key = f"obj-{i}-{size}"
        s3.put_object(Bucket=bucket, Key=key, Body=data)
        objects[key] = data
    return objects


def verify(s3, bucket, objects):
    listed = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))
    assert listed == sorted(objects)
    for key, data in objects.items():
        got = s3.get_object(Bucket=bucket, Key=key)
        body = got["Body"].read()
        assert len(body) == len(data) and hashlib.md5(body).digest() == hashlib.md5(data).digest(), key
        assert got["ETag"] == '"' + hashlib.md5(data).hexdigest() + '"'
        if len(data) > 20:
            part = s3.get_object(Bucket=bucket, Key=key, Range="bytes=7-19")["Body"].read()
            assert part == data[7:20], key


@pytest.mark.parametrize("lost", [(1, 2), (5, 6), (2, 5)])
def test_two_drives_lost_while_running_and_after_restart(silt, s3, bucket, lost):
    objects = upload(s3, bucket)
    drives = silt.drives()
    assert all(d.is_dir() for d in drives), [str(d) for d in drives]
    assert (silt.data_dir / "index").is_dir()
    for n in lost:
        wipe(drives[n - 1])
    verify(s3, bucket, objects)
    # Writes still land, and read back, with two drives empty.
    silt.boto3().put_object(Bucket=bucket, Key="after-loss", Body=b"written after the loss")
    objects["after-loss"] = b"written after the loss"
    verify(s3, bucket, objects)
    silt.restart()
    verify(s3, bucket, objects)
