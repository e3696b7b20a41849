"""aws cli v2 (Debian's 2.9 at /usr/bin/aws, its own botocore) end to end: the core of
what test_awscli.py does with the v1 on PATH — mb, cp up and down (multipart above 8 MiB),
ls, sync, presign, versioning and version listings through s3api, rm and rb — so both
generations of the cli a user may have are driven against silt."""
import hashlib
import json
import subprocess

import pytest

from silt_server import bucket_name

MiB = 1 << 20
V2 = "/usr/bin/aws"


def aws(silt, *args, check=True):
    return silt.aws(*args, check=check, cli=V2)


def aws_json(silt, *args):
    return json.loads(aws(silt, *args, "--output", "json").stdout or "null")


def md5(data):
    return hashlib.md5(data).hexdigest()


def test_it_is_v2():
    out = subprocess.run([V2, "--version"], capture_output=True, text=True, check=True).stdout
    assert out.startswith("aws-cli/2."), out


def test_mb_cp_ls_cp_down_rm_rb(silt, s3, rand, tmp_path):
    name = bucket_name("v2mb")
    assert f"make_bucket: {name}" in aws(silt, "s3", "mb", f"s3://{name}").stdout
    small, big = rand(1000, "small.csv"), rand(9 * MiB + 5, "big.parquet")
    for f in (small, big):
        out = aws(silt, "s3", "cp", str(f), f"s3://{name}/raw/{f.name}").stdout
        assert "upload: " in out and f"{f.name} to s3://{name}/raw/{f.name}" in out, out
    head = s3.head_object(Bucket=name, Key="raw/big.parquet")
    assert head["ContentLength"] == 9 * MiB + 5
    # 8 MiB parts: the ETag names two parts.
    assert head["ETag"].endswith('-2"'), head["ETag"]
    assert s3.head_object(Bucket=name, Key="raw/small.csv")["ContentType"] == "text/csv"

    listed = aws(silt, "s3", "ls", f"s3://{name}/raw/").stdout
    assert "small.csv" in listed and "big.parquet" in listed and str(9 * MiB + 5) in listed

    down = tmp_path / "down"
    aws(silt, "s3", "cp", "--recursive", f"s3://{name}/raw/", str(down))
    for f in (small, big):
        assert md5((down / f.name).read_bytes()) == md5(f.read_bytes())

    # rb of a non-empty bucket fails; rm, then rb succeeds.
    refused = aws(silt, "s3", "rb", f"s3://{name}", check=False)
    assert refused.returncode != 0 and "BucketNotEmpty" in refused.stderr, refused.stderr
    aws(silt, "s3", "rm", "--recursive", f"s3://{name}/")
    assert f"remove_bucket: {name}" in aws(silt, "s3", "rb", f"s3://{name}").stdout
    with pytest.raises(s3.exceptions.ClientError):
        s3.head_bucket(Bucket=name)


def test_sync_twice_transfers_nothing_the_second_time(silt, bucket, tmp_path):
    src = tmp_path / "src"
    (src / "d").mkdir(parents=True)
    for i in range(5):
        (src / "d" / f"f{i}.json").write_bytes(b'{"i": %d}' % i)
    first = aws(silt, "s3", "sync", str(src), f"s3://{bucket}/p").stdout
    assert first.count("upload:") == 5, first
    second = aws(silt, "s3", "sync", str(src), f"s3://{bucket}/p").stdout
    assert "upload:" not in second, second


def test_presign_and_expiry_limit(silt, s3, bucket):
    s3.put_object(Bucket=bucket, Key="pre", Body=b"presigned by v2")
    url = aws(silt, "s3", "presign", f"s3://{bucket}/pre", "--expires-in", "60").stdout.strip()
    got = subprocess.run(["curl", "-sS", "-f", url], capture_output=True, timeout=30)
    assert got.returncode == 0 and got.stdout == b"presigned by v2", got.stderr
    # The cli signs more than seven days; silt refuses such a URL with 400, as AWS does.
    url = aws(silt, "s3", "presign", f"s3://{bucket}/pre", "--expires-in", "604801").stdout.strip()
    status = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", url],
                            capture_output=True, text=True, timeout=30).stdout
    assert status == "400"


def test_versioning_and_version_listing(silt, s3, bucket, rand):
    aws(silt, "s3api", "put-bucket-versioning", "--bucket", bucket,
        "--versioning-configuration", "Status=Enabled")
    assert aws_json(silt, "s3api", "get-bucket-versioning", "--bucket", bucket)["Status"] == "Enabled"
    ids = []
    for i in range(2):
        f = rand(100 + i)
        ids.append(aws_json(silt, "s3api", "put-object", "--bucket", bucket, "--key", "k",
                            "--body", str(f))["VersionId"])
    aws(silt, "s3api", "delete-object", "--bucket", bucket, "--key", "k")
    listing = aws_json(silt, "s3api", "list-object-versions", "--bucket", bucket)
    assert sorted(v["VersionId"] for v in listing["Versions"]) == sorted(ids)
    assert [m["IsLatest"] for m in listing["DeleteMarkers"]] == [True]
    old = s3.get_object(Bucket=bucket, Key="k", VersionId=ids[0])
    assert old["ContentLength"] == 100
