"""aws cli v1.45 (botocore 1.43: CRC32 checksum era, header checksums over http)
end to end: s3 mb/cp/ls/rm/sync/presign/rb and the s3api calls. clients.md §3.

The cli runs with its stock transfer settings (silt_server.AWS_CONFIG_STOCK): uploads
above 8 MiB are multipart in 8 MiB parts; test_sync_clients.py covers them at size."""
import hashlib
import json
import os
import subprocess
import time

import pytest

import checksums
from silt_server import bucket_name

MiB = 1 << 20


def aws_json(silt, *args):
    return json.loads(silt.aws(*args, "--output", "json").stdout or "null")


def transfers(out: str):
    return [line for line in out.splitlines()
            if line.startswith(("upload:", "download:", "copy:", "delete:"))]


def test_mb_and_mb_again(silt, s3):
    name = bucket_name("mb")
    out = silt.aws("s3", "mb", f"s3://{name}").stdout
    assert f"make_bucket: {name}" in out
    s3.head_bucket(Bucket=name)
    # Again: AWS's legacy us-east-1 answer to re-creating a bucket one owns is 200.
    again = silt.aws("s3", "mb", f"s3://{name}", check=False)
    assert again.returncode == 0 and f"make_bucket: {name}" in again.stdout, again.stderr
    # In another region it is BucketAlreadyOwnedByYou.
    eu = bucket_name("mbeu")
    silt.aws("s3", "mb", f"s3://{eu}", "--region", "eu-west-1")
    again = silt.aws("s3", "mb", f"s3://{eu}", "--region", "eu-west-1", check=False)
    assert again.returncode != 0 and "BucketAlreadyOwnedByYou" in again.stderr


def test_mb_with_other_region_sends_location_constraint(silt, s3):
    name = bucket_name("mbregion")
    silt.aws("s3", "mb", f"s3://{name}", "--region", "eu-central-1")
    s3.head_bucket(Bucket=name)
    # The constraint is kept: the bucket reports the region it was created in, as in AWS.
    loc = aws_json(silt, "s3api", "get-bucket-location", "--bucket", name)
    assert loc["LocationConstraint"] == "eu-central-1"


def test_cp_up_ls_cp_down(silt, s3, bucket, rand, tmp_path):
    small, big = rand(1024, "small.txt"), rand(9 * MiB + 7, "big.bin")
    for f in (small, big):
        out = silt.aws("s3", "cp", str(f), f"s3://{bucket}/dir/{f.name}").stdout
        assert "upload: " in out and f"{f.name} to s3://{bucket}/dir/{f.name}" in out, out
    head = s3.head_object(Bucket=bucket, Key="dir/small.txt")
    assert head["ContentType"] == "text/plain"  # aws cli guesses it from the name
    assert head["ETag"] == '"' + hashlib.md5(small.read_bytes()).hexdigest() + '"'
    ls = silt.aws("s3", "ls", f"s3://{bucket}/").stdout
    assert "PRE dir/" in ls
    ls = silt.aws("s3", "ls", f"s3://{bucket}/dir/").stdout
    assert "1024 small.txt" in ls and f"{9 * MiB + 7} big.bin" in ls
    # Downloads with stock transfer settings: the 9 MiB one comes back as ranged GETs.
    for f in (small, big):
        dst = tmp_path / ("down-" + f.name)
        silt.aws("s3", "cp", f"s3://{bucket}/dir/{f.name}", str(dst))
        assert dst.read_bytes() == f.read_bytes()
    missing = silt.aws("s3", "cp", f"s3://{bucket}/dir/nope", str(tmp_path / "x"), check=False)
    assert missing.returncode != 0
    assert "does not exist" in missing.stderr or "404" in missing.stderr, missing.stderr


def test_ls_buckets(silt, bucket):
    assert bucket in silt.aws("s3", "ls").stdout.split()


def test_rm_and_rb(silt, s3, bucket, rand):
    f = rand(100)
    for k in ("a/1", "a/2", "b"):
        silt.aws("s3", "cp", str(f), f"s3://{bucket}/{k}")
    assert "delete: s3://" in silt.aws("s3", "rm", f"s3://{bucket}/b").stdout
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 2
    rb = silt.aws("s3", "rb", f"s3://{bucket}", check=False)
    assert rb.returncode != 0 and "BucketNotEmpty" in rb.stderr
    out = silt.aws("s3", "rm", "--recursive", f"s3://{bucket}/a/").stdout
    assert len(transfers(out)) == 2
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    silt.aws("s3", "cp", str(f), f"s3://{bucket}/again")
    silt.aws("s3", "rb", "--force", f"s3://{bucket}")
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_sync_twice_transfers_nothing_the_second_time(silt, s3, bucket, tmp_path):
    src = tmp_path / "src"
    for i in range(12):
        p = src / f"sub{i % 3}" / f"f{i}.bin"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(os.urandom(1000 + i * 5000))
    first = silt.aws("s3", "sync", str(src), f"s3://{bucket}/p").stdout
    assert len(transfers(first)) == 12
    second = silt.aws("s3", "sync", str(src), f"s3://{bucket}/p").stdout
    assert transfers(second) == [], second
    # A newer local file: exactly one upload.
    touched = src / "sub1" / "f4.bin"
    future = time.time() + 120
    os.utime(touched, (future, future))
    third = silt.aws("s3", "sync", str(src), f"s3://{bucket}/p").stdout
    assert len(transfers(third)) == 1 and "f4.bin" in third, third
    past = time.time() - 3600
    os.utime(touched, (past, past))
    # And back down, twice.
    dst = tmp_path / "dst"
    down = silt.aws("s3", "sync", f"s3://{bucket}/p", str(dst)).stdout
    assert len(transfers(down)) == 12
    again = silt.aws("s3", "sync", f"s3://{bucket}/p", str(dst)).stdout
    assert transfers(again) == [], again
    for p in src.rglob("*.bin"):
        assert (dst / p.relative_to(src)).read_bytes() == p.read_bytes()
    # --delete removes what vanished locally, one DeleteObject per key.
    (src / "sub0" / "f0.bin").unlink()
    out = silt.aws("s3", "sync", "--delete", str(src), f"s3://{bucket}/p").stdout
    assert [t.split()[0] for t in transfers(out)] == ["delete:"]
    assert s3.list_objects_v2(Bucket=bucket, Prefix="p/")["KeyCount"] == 11


def test_presign(silt, s3, bucket):
    s3.put_object(Bucket=bucket, Key="pre", Body=b"presigned body")
    url = silt.aws("s3", "presign", f"s3://{bucket}/pre", "--expires-in", "60").stdout.strip()
    got = subprocess.run(["curl", "-sS", "-f", url], capture_output=True, timeout=30)
    assert got.returncode == 0 and got.stdout == b"presigned body", got.stderr
    url = silt.aws("s3", "presign", f"s3://{bucket}/pre", "--expires-in", "604801").stdout.strip()
    status = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", url],
                            capture_output=True, text=True, timeout=30).stdout
    assert status == "400"


def test_s3api_object_calls(silt, s3, bucket, rand, tmp_path):
    f = rand(50_000)
    data = f.read_bytes()
    put = aws_json(silt, "s3api", "put-object", "--bucket", bucket, "--key", "k",
                   "--body", str(f), "--content-type", "application/x-k",
                   "--metadata", "owner=me,mtime=1700000000")
    assert put["ETag"] == '"' + hashlib.md5(data).hexdigest() + '"'
    head = aws_json(silt, "s3api", "head-object", "--bucket", bucket, "--key", "k",
                    "--checksum-mode", "ENABLED")
    assert head["ContentLength"] == len(data) and head["ContentType"] == "application/x-k"
    assert head["Metadata"] == {"owner": "me", "mtime": "1700000000"}
    # botocore 1.43 sent x-amz-checksum-crc32 with the PUT; silt stored and returns it.
    assert head.get("ChecksumCRC32") == checksums.b64("CRC32", data), head
    out = tmp_path / "got"
    got = aws_json(silt, "s3api", "get-object", "--bucket", bucket, "--key", "k", str(out))
    assert out.read_bytes() == data and got["Metadata"]["owner"] == "me"
    rng = aws_json(silt, "s3api", "get-object", "--bucket", bucket, "--key", "k",
                   "--range", "bytes=100-199", str(out))
    assert rng["ContentRange"] == f"bytes 100-199/{len(data)}" and out.read_bytes() == data[100:200]
    copy = aws_json(silt, "s3api", "copy-object", "--bucket", bucket, "--key", "k2",
                    "--copy-source", f"{bucket}/k")
    assert copy["CopyObjectResult"]["ETag"] == put["ETag"]
    missing = silt.aws("s3api", "head-object", "--bucket", bucket, "--key", "nope", check=False)
    assert missing.returncode != 0 and "404" in missing.stderr


def test_s3api_listings_and_delete_objects(silt, s3, bucket):
    keys = [f"l/{i:02d}" for i in range(7)] + ["m"]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    v1 = aws_json(silt, "s3api", "list-objects", "--bucket", bucket, "--page-size", "2")
    assert [o["Key"] for o in v1["Contents"]] == keys
    v2 = aws_json(silt, "s3api", "list-objects-v2", "--bucket", bucket, "--page-size", "3",
                  "--prefix", "l/")
    assert [o["Key"] for o in v2["Contents"]] == keys[:-1]
    part = aws_json(silt, "s3api", "list-objects-v2", "--bucket", bucket, "--max-items", "3")
    assert [o["Key"] for o in part["Contents"]] == keys[:3] and part.get("NextToken")
    rest = aws_json(silt, "s3api", "list-objects-v2", "--bucket", bucket,
                    "--starting-token", part["NextToken"])
    assert [o["Key"] for o in rest["Contents"]] == keys[3:]
    delim = aws_json(silt, "s3api", "list-objects-v2", "--bucket", bucket, "--delimiter", "/")
    assert [p["Prefix"] for p in delim["CommonPrefixes"]] == ["l/"]
    # delete-objects: botocore 1.43 sends x-amz-checksum-crc32 and no Content-MD5.
    spec = {"Objects": [{"Key": k} for k in keys[:4] + ["never"]]}
    res = aws_json(silt, "s3api", "delete-objects", "--bucket", bucket, "--delete", json.dumps(spec))
    assert sorted(d["Key"] for d in res["Deleted"]) == sorted(keys[:4] + ["never"])
    left = aws_json(silt, "s3api", "list-objects-v2", "--bucket", bucket)
    assert [o["Key"] for o in left["Contents"]] == keys[4:]


def test_s3api_get_bucket_location(silt, bucket):
    loc = aws_json(silt, "s3api", "get-bucket-location", "--bucket", bucket)
    assert loc["LocationConstraint"] in (None, "")


@pytest.mark.parametrize("cls", ["ONEZONE_IA", "REDUCED_REDUNDANCY", "INTELLIGENT_TIERING"])
def test_cp_with_every_instant_storage_class(silt, s3, bucket, rand, cls):
    """Classes AWS serves at once are accepted and reported as themselves (duplicity
    --s3-use-onezone-ia, older tools' REDUCED_REDUNDANCY); silt used to refuse them."""
    src = rand(1000)
    silt.aws("s3", "cp", str(src), f"s3://{bucket}/k", "--storage-class", cls)
    assert s3.head_object(Bucket=bucket, Key="k")["StorageClass"] == cls
    listed = aws_json(silt, "s3api", "list-objects-v2", "--bucket", bucket)["Contents"]
    assert [(o["Key"], o["StorageClass"]) for o in listed] == [("k", cls)]
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == src.read_bytes()


@pytest.mark.parametrize("size", [0, 7 * MiB, 9 * MiB])
def test_cp_sizes_around_threshold(silt, s3, bucket, rand, size):
    """A-02: under 8 MiB a single PUT (ETag = md5), above it two 8 MiB-cut parts."""
    f = rand(size)
    silt.aws("s3", "cp", str(f), f"s3://{bucket}/s")
    head = s3.head_object(Bucket=bucket, Key="s")
    assert head["ContentLength"] == size
    data = f.read_bytes()
    if size <= 8 * MiB:
        assert head["ETag"] == '"' + hashlib.md5(data).hexdigest() + '"'
    else:
        md5s = hashlib.md5(data[:8 * MiB]).digest() + hashlib.md5(data[8 * MiB:]).digest()
        assert head["ETag"] == f'"{hashlib.md5(md5s).hexdigest()}-2"'
