"""Drive faults, bitrot and healing on a real silt: damaged and missing shards are
rebuilt byte for byte (by the repair queue, `silt admin heal`, the scrubber and the
rebuild of a wiped drive); swapped drives keep working; foreign ones stay offline;
too few drives make writes fail with 503 SlowDown, full ones with a clear 500,
while reads go on."""
import json
import os
import shutil
import subprocess

import pytest

from fault_soak import data_files
from silt_server import SiltServer, bucket_name
from s3assert import wait_for

MiB = 1 << 20
FAST = ("--drive-check-interval", "0.3", "--scrub-interval", "0")


@pytest.fixture(scope="module")
def silt(tmp_path_factory):
    server = SiltServer(tmp_path_factory.mktemp("silt"))
    server.start(extra_args=FAST)
    yield server
    assert server.stop() == 0, server.log_tail()


def shard_files(server, bucket, key):
    """part.N files of the data dirs whose meta.json names bucket/key, in shard order
    (data shards first: a read touches only those while they are good)."""
    drives = server.drives()
    for d in drives:
        for meta in (d / "data").glob("*/*/meta.json"):
            m = json.loads(meta.read_text())
            if m.get("bucket") == bucket and m.get("key") == key:
                dist = m["layout"]["distribution"]
                rel = meta.parent.relative_to(d)
                return [drives[i] / rel / "part.1" for i in dist]
    return []


def flip(path, at):
    with open(path, "r+b") as f:
        f.seek(at)
        b = f.read(1)
        f.seek(at)
        f.write(bytes([b[0] ^ 0x5A]))


def admin_json(server, *args):
    r = server.admin("--json", *args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)



def new_bucket(s3, hint):
    name = bucket_name(hint)
    s3.create_bucket(Bucket=name)
    return name


def test_a_corrupt_shard_is_rebuilt_for_the_reader_and_repaired(silt, s3):
    b = new_bucket(s3, "bitrot")
    data = os.urandom(3 * MiB + 77)
    s3.put_object(Bucket=b, Key="k", Body=data)
    before = data_files(silt)
    shards = shard_files(silt, b, "k")
    assert len(shards) == 6
    flip(shards[2], 40 + MiB // 4 + 100)
    assert data_files(silt) != before
    # The client gets its bytes; the version goes on the repair queue and the healer mends it.
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == data
    wait_for("the repair", lambda: data_files(silt) == before)
    status = admin_json(silt, "status")
    assert status["healing"]["backlog"] == 0
    assert admin_json(silt, "heal", "--bucket", b)["last"]["shards_repaired"] == 0


def test_admin_heal_rebuilds_missing_shards_with_a_summary(silt, s3):
    b = new_bucket(s3, "missing")
    objects = {f"obj-{i}": os.urandom(n) for i, n in enumerate([0, 1, 5000, MiB + 3, 2 * MiB])}
    for k, v in objects.items():
        s3.put_object(Bucket=b, Key=k, Body=v)
    s3.put_object(Bucket=b, Key="cold", Body=b"log line\n" * 200000, StorageClass="STANDARD_IA")
    before = data_files(silt)
    removed = 0
    for k in ["obj-2", "obj-3", "cold"]:
        for p in shard_files(silt, b, k)[:2]:  # two drives of each: the most 4+2 can lose
            p.unlink()
            removed += 1
    r = silt.admin("heal", "--bucket", b)
    assert r.returncode == 0, r.stderr
    assert "heal pass" in r.stdout and "shards rebuilt" in r.stdout
    rebuilt = [line for line in r.stdout.splitlines() if "shards rebuilt" in line][0]
    assert rebuilt.split()[-1] == str(removed), r.stdout
    assert data_files(silt) == before
    for k, v in objects.items():
        assert s3.get_object(Bucket=b, Key=k)["Body"].read() == v


def test_a_wiped_drive_is_marked_healing_and_rebuilt(silt, s3):
    b = new_bucket(s3, "wiped")
    s3.put_object(Bucket=b, Key="single", Body=os.urandom(2 * MiB + 1))
    mpu = s3.create_multipart_upload(Bucket=b, Key="multi")
    parts = []
    for n, body in enumerate([os.urandom(5 * MiB), os.urandom(MiB + 9)], start=1):
        e = s3.upload_part(Bucket=b, Key="multi", UploadId=mpu["UploadId"], PartNumber=n, Body=body)
        parts.append({"PartNumber": n, "ETag": e["ETag"]})
    s3.complete_multipart_upload(Bucket=b, Key="multi", UploadId=mpu["UploadId"],
                                 MultipartUpload={"Parts": parts})
    before = data_files(silt)
    victim = silt.drives()[2]
    # Renamed away first: the drive vanishes at once, not while silt looks at it.
    victim.rename(victim.with_name("wiped"))
    shutil.rmtree(victim.with_name("wiped"))
    wait_for("the rebuild", lambda: data_files(silt) == before)
    status = wait_for("drive 3 online", lambda: (lambda s: s if all(
        d["state"] == "online" for d in s["drives"]) else None)(admin_json(silt, "status")))
    assert status["healing"]["last"]["kind"] == "rebuild"
    assert not (victim / "healing.json").exists()
    # The drive mirror (bucket records, for rebuild-index) is back too.
    def sys_files(d):
        return {str(p.relative_to(d)): p.read_bytes() for p in (d / "sys").rglob("*") if p.is_file()}
    assert sys_files(victim) == sys_files(silt.drives()[0]) and sys_files(victim)
    text = silt.admin("status").stdout
    assert "standard" in text and "online" in text and "repair queue: 0" in text


def test_too_few_drives_fail_writes_with_slowdown_while_reads_go_on(silt, s3):
    b = new_bucket(s3, "quorum")
    s3.put_object(Bucket=b, Key="before", Body=b"still readable")
    drives = silt.drives()
    saved = {}
    try:
        for d in drives[:2]:  # replaced by plain files: unreadable
            saved[d] = d.with_name(d.name + ".saved")
            d.rename(saved[d])
            d.write_bytes(b"not a drive")
        status = wait_for("two offline drives", lambda: (lambda s: s if sum(
            x["state"] == "offline" for x in s["drives"]) == 2 else None)(admin_json(silt, "status")))
        assert all(not p["writable"] and p["readable"] for p in status["pools"])
        r = silt.request("PUT", b, "after", body=b"x" * 1000)
        assert (r.status, r.error_code()) == (503, "SlowDown"), r.text
        assert "quorum" in r.text
        assert s3.get_object(Bucket=b, Key="before")["Body"].read() == b"still readable"
        assert "offline" in silt.admin("status").stdout
    finally:
        for d, s in saved.items():
            d.unlink()
            s.rename(d)
    wait_for("drives back online", lambda: all(
        x["state"] == "online" for x in admin_json(silt, "status")["drives"]))
    s3.put_object(Bucket=b, Key="after", Body=b"written again")
    assert s3.get_object(Bucket=b, Key="after")["Body"].read() == b"written again"


def test_the_scrubber_repairs_bitrot_nobody_reads(tmp_path):
    server = SiltServer(tmp_path)
    server.start(extra_args=("--scrub-interval", "1", "--scrub-rate", "0"))
    try:
        s3 = server.boto3()
        b = new_bucket(s3, "scrub")
        s3.put_object(Bucket=b, Key="k", Body=os.urandom(MiB + 5))
        before = data_files(server)
        flip(shard_files(server, b, "k")[4], 100)
        wait_for("the scrubber", lambda: data_files(server) == before)
        scrub = wait_for("a finished scrub", lambda: admin_json(server, "status")["healing"]["scrub"])
        assert scrub["kind"] == "scrub"
    finally:
        assert server.stop() == 0


def test_swapped_drives_keep_working_and_foreign_drives_stay_offline(tmp_path):
    server = SiltServer(tmp_path / "a")
    server.start()
    other = SiltServer(tmp_path / "b")
    other.start()
    try:
        s3 = server.boto3()
        b = new_bucket(s3, "swap")
        data = os.urandom(3 * MiB)
        s3.put_object(Bucket=b, Key="k", Body=data)
        before = data_files(server)
        server.stop()
        d = server.drives()
        d[1].rename(tmp_path / "tmp-swap")
        d[4].rename(d[1])
        (tmp_path / "tmp-swap").rename(d[4])
        server.start()
        assert "holds drive" in server.log_since_start()
        assert all(x["state"] == "online" for x in admin_json(server, "status")["drives"])
        assert s3.get_object(Bucket=b, Key="k")["Body"].read() == data
        assert admin_json(server, "heal")["last"]["shards_repaired"] == 0
        # The same files, only under the swapped mount points.
        assert sorted(data_files(server).values()) == sorted(before.values())

        # A drive of another silt in slot 4: kept offline, never written.
        server.stop()
        other.stop()
        foreign = other.drives()[0]
        swapped_out = d[3].rename(tmp_path / "slot4")
        shutil.copytree(foreign, d[3])
        fmt = (d[3] / "format.json").read_bytes()
        server.start()
        status = admin_json(server, "status")
        slot4 = [x for x in status["drives"] if x["slot"] == 4][0]
        assert slot4["state"] == "offline" and "another set" in slot4["reason"], slot4
        assert s3.get_object(Bucket=b, Key="k")["Body"].read() == data
        s3.put_object(Bucket=b, Key="k2", Body=b"five of six drives")
        assert (d[3] / "format.json").read_bytes() == fmt
        assert not any((d[3] / "data").iterdir())
        assert swapped_out.exists()
    finally:
        server.stop()
        other.stop()


def mount_tmpfs(path, size):
    path.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                       capture_output=True, text=True)
    return r.returncode == 0


def test_full_drives_fail_writes_cleanly_and_reads_go_on(tmp_path):
    server = SiltServer(tmp_path)
    mounted = []
    try:
        for d in server.drives():
            if not mount_tmpfs(d, "6m"):
                pytest.skip("cannot mount tmpfs here (needs root): full drives not simulated")
            mounted.append(d)
        server.start()
        s3 = server.boto3()
        b = new_bucket(s3, "full")
        stored = {}
        failure = None
        for i in range(40):
            body = os.urandom(MiB)
            r = server.request("PUT", b, f"o{i}", body=body)
            if r.status != 200:
                failure = r
                break
            stored[f"o{i}"] = body
        assert failure is not None, "6 MiB drives took 40 MiB"
        assert (failure.status, failure.error_code()) == (500, "InternalError"), failure.text
        assert "full" in failure.text and "No space left" in failure.text
        # Nothing half-written: no temporary files, every listed object whole.
        for d in server.drives():
            assert not any((d / "tmp").iterdir()), list((d / "tmp").iterdir())
        listed = [o["Key"] for o in s3.list_objects_v2(Bucket=b).get("Contents", [])]
        assert sorted(listed) == sorted(stored)
        for k, v in stored.items():
            assert s3.get_object(Bucket=b, Key=k)["Body"].read() == v
        # Space freed: writes work again.
        for k in list(stored)[:3]:
            s3.delete_object(Bucket=b, Key=k)
        s3.put_object(Bucket=b, Key="after", Body=b"room again")
        assert s3.get_object(Bucket=b, Key="after")["Body"].read() == b"room again"
    finally:
        server.stop()
        for d in mounted:
            subprocess.run(["umount", str(d)], capture_output=True)


def test_fault_soak_short(tmp_path):
    """Five rounds of fault_soak.py (the long run is documented in docs/reliability.md)."""
    from fault_soak import Soak
    soak = Soak(tmp_path, seed=20261122, log=None).run(5)
    assert not soak.failures, soak.failures
    assert soak.stats["rounds"] == 5 and soak.stats["shards_damaged"] + soak.stats["drives_wiped"] > 0
