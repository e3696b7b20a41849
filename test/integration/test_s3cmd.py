"""s3cmd 2.3 (SigV4, path style over http via host_bucket = host_base), stock
multipart settings (15 MiB chunks; test_sync_clients.py uploads above that)."""
import os


def test_mb_put_get_ls_del(silt, s3, tmp_path):
    name = "s3cmd-" + os.urandom(3).hex()
    silt.s3cmd("mb", f"s3://{name}")
    s3.head_bucket(Bucket=name)
    f = tmp_path / "hello.bin"
    f.write_bytes(os.urandom(300_000))
    silt.s3cmd("put", str(f), f"s3://{name}/dir/hello.bin")
    out = tmp_path / "out.bin"
    silt.s3cmd("get", f"s3://{name}/dir/hello.bin", str(out))
    assert out.read_bytes() == f.read_bytes()
    ls = silt.s3cmd("ls", f"s3://{name}/").stdout
    assert f"s3://{name}/dir/" in ls
    ls = silt.s3cmd("ls", "--recursive", f"s3://{name}").stdout
    assert "300000" in ls and f"s3://{name}/dir/hello.bin" in ls
    assert name in silt.s3cmd("ls").stdout
    silt.s3cmd("del", f"s3://{name}/dir/hello.bin")
    assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 0
    silt.s3cmd("rb", f"s3://{name}")
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_sync_twice(silt, s3, bucket, tmp_path):
    src = tmp_path / "src"
    for i in range(6):
        p = src / f"d{i % 2}" / f"f{i}"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(os.urandom(1000 * (i + 1)))
    first = silt.s3cmd("sync", f"{src}/", f"s3://{bucket}/s/").stdout
    assert first.count("upload:") == 6, first
    second = silt.s3cmd("sync", f"{src}/", f"s3://{bucket}/s/").stdout
    assert "upload:" not in second, second
    dst = tmp_path / "dst"
    silt.s3cmd("sync", f"s3://{bucket}/s/", f"{dst}/")
    for p in src.rglob("f*"):
        assert (dst / p.relative_to(src)).read_bytes() == p.read_bytes()
    (src / "d0" / "f0").unlink()
    out = silt.s3cmd("sync", "--delete-removed", f"{src}/",
                     f"s3://{bucket}/s/").stdout
    assert "delete:" in out, out
    assert s3.list_objects_v2(Bucket=bucket, Prefix="s/")["KeyCount"] == 5
