"""Small objects in segment files (`silt server --inline-threshold`, docs/format.md
"Segment files") on a real silt: no data dir per object, bitrot in a segment shard
read through parity (and beyond parity a clean 500 while silt keeps serving),
`silt admin rebuild-index` from drives that hold small objects, healing of segment
shards (bitrot, a wiped drive), the sweep of a torn tail at start, a soak of
overwrites and deletes whose dead space is given back, and kill -9 in the middle of a
compaction."""
import hashlib
import json
import os
import random
import shutil
import subprocess

import pytest

from crash_harness import read_segment
from gdb_kill import kill_when_reached
from s3assert import wait_for
from silt_server import SiltServer, silt_binary

SMALL = ("--inline-threshold", str(128 * 1024))
FAST = ("--drive-check-interval", "0.3", "--scrub-interval", "0")


@pytest.fixture
def server(tmp_path):
    s = SiltServer(tmp_path)
    s.args = SMALL
    s.start()
    yield s
    s.stop()


def shard_places(server, bucket, key):
    """[(segment file, offset of the shard image)] of bucket/key, in shard order, from
    the segment files alone (the entry's record copy names bucket and key)."""
    found = {}
    for drive in server.drives():
        for path in sorted((drive / "segments").glob("*.seg")):
            at = 32
            for kind, shard, did, shard_len, rec in read_segment(path):
                if kind == 1 and rec:
                    r = json.loads(rec)
                    if (r["bucket"], r["key"]) == (bucket, key):
                        found[shard] = (path, at + 60)
                at += 60 + shard_len + (len(rec) if rec is not None else 0) + 4
    return [found[i] for i in sorted(found)]


def flip(path, at):
    with open(path, "r+b") as f:
        f.seek(at)
        b = f.read(1)
        f.seek(at)
        f.write(bytes([b[0] ^ 0x5A]))


def data_dirs(server):
    return [p for d in server.drives() for p in (d / "data").glob("*/*")]


def test_small_objects_have_no_data_dirs_and_survive_bitrot(server):
    s3 = server.boto3()
    s3.create_bucket(Bucket="small")
    data = os.urandom(100_000)
    s3.put_object(Bucket="small", Key="k", Body=data)
    s3.put_object(Bucket="small", Key="big", Body=os.urandom(128 * 1024 + 1))
    # Only the object over the threshold has data dirs (one per drive).
    assert len(data_dirs(server)) == 6
    places = shard_places(server, "small", "k")
    assert len(places) == 6
    # Bitrot in two shards (past the 32-byte shard header, in the first block).
    for path, at in places[:2]:
        flip(path, at + 32 + 10)
    assert s3.get_object(Bucket="small", Key="k")["Body"].read() == data
    got = s3.get_object(Bucket="small", Key="k", Range="bytes=99990-")["Body"].read()
    assert got == data[99990:]
    # A third damaged shard is beyond parity: a clean 500, and silt keeps serving.
    path, at = places[2]
    flip(path, at + 32 + 10)
    with pytest.raises(s3.exceptions.ClientError) as e:
        s3.get_object(Bucket="small", Key="k")["Body"].read()
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert e.value.response["Error"]["Code"] == "InternalError"
    s3.put_object(Bucket="small", Key="after", Body=b"still serving")
    assert s3.get_object(Bucket="small", Key="after")["Body"].read() == b"still serving"


def test_rebuild_index_from_drives_holding_small_objects(server):
    s3 = server.boto3()
    s3.create_bucket(Bucket="plain")
    s3.create_bucket(Bucket="ver")
    s3.put_bucket_versioning(Bucket="ver", VersioningConfiguration={"Status": "Enabled"})
    bodies = {("plain", f"k{i}"): os.urandom(i * 997) for i in range(20)}
    for (b, k), v in bodies.items():
        s3.put_object(Bucket=b, Key=k, Body=v, Metadata={"n": k})
    s3.put_object(Bucket="plain", Key="k3", Body=b"overwritten")
    bodies[("plain", "k3")] = b"overwritten"
    s3.delete_object(Bucket="plain", Key="k4")
    del bodies[("plain", "k4")]
    s3.put_object_tagging(Bucket="plain", Key="k5", Tagging={"TagSet": [{"Key": "t", "Value": "v"}]})
    ids = [s3.put_object(Bucket="ver", Key="v", Body=f"version {i}".encode())["VersionId"] for i in range(3)]
    s3.delete_object(Bucket="ver", Key="v", VersionId=ids[1])
    assert data_dirs(server) == []  # all small: segments only (no delete marker here)

    def state():
        listing = [(o["Key"], o["ETag"], o["Size"]) for o in s3.list_objects_v2(Bucket="plain")["Contents"]]
        versions = [(v["Key"], v["VersionId"], v["ETag"]) for v in s3.list_object_versions(Bucket="ver")["Versions"]]
        got = {(b, k): hashlib.sha256(s3.get_object(Bucket=b, Key=k)["Body"].read()).hexdigest()
               for b, k in bodies}
        heads = {k: s3.head_object(Bucket="plain", Key=k)["Metadata"] for _, k in bodies}
        tags = s3.get_object_tagging(Bucket="plain", Key="k5")["TagSet"]
        return listing, versions, got, heads, tags

    before = state()
    assert before[2] == {bk: hashlib.sha256(v).hexdigest() for bk, v in bodies.items()}
    assert server.stop() == 0
    shutil.rmtree(server.data_dir / "index")
    r = subprocess.run([str(silt_binary()), "admin", "rebuild-index", "--data", str(server.data_dir)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "versions        21" in r.stdout and "skipped files   0" in r.stdout, r.stdout
    server.start()
    assert state() == before
    with pytest.raises(s3.exceptions.ClientError) as e:
        s3.head_object(Bucket="plain", Key="k4")
    assert e.value.response["Error"]["Code"] == "404"


def admin_json(server, *args):
    r = server.admin("--json", *args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def lose_segments(server, drive_indexes):
    """Takes every segment file of these drives away (as a lost drive would)."""
    for i in drive_indexes:
        seg = server.drives()[i] / "segments"
        for f in seg.glob("*.seg"):
            f.unlink()


def drive_of(server, path):
    return next(i for i, d in enumerate(server.drives()) if d in path.parents)


def test_heal_rewrites_a_corrupt_segment_shard_to_a_new_place(tmp_path):
    s = SiltServer(tmp_path)
    s.start(extra_args=SMALL + FAST)
    try:
        s3 = s.boto3()
        s3.create_bucket(Bucket="heal")
        data = os.urandom(50_000)
        s3.put_object(Bucket="heal", Key="k", Body=data)
        places = shard_places(s, "heal", "k")
        path0, at0 = places[0]
        flip(path0, at0 + 32 + 10)  # bitrot in shard 0
        r = s.admin("heal")
        assert r.returncode == 0, r.stderr
        assert [line for line in r.stdout.splitlines() if "shards rebuilt" in line][0].split()[-1] == "1", r.stdout
        assert admin_json(s, "heal")["last"]["shards_repaired"] == 0  # whole again
        healed = shard_places(s, "heal", "k")
        assert healed[0] != places[0] and healed[1:] == places[1:]
        # Shards 1 and 2 lost as well: the read needs the repaired shard 0.
        lose_segments(s, [drive_of(s, p) for p, _ in places[1:3]])
        assert s3.get_object(Bucket="heal", Key="k")["Body"].read() == data
    finally:
        assert s.stop() == 0, s.log_tail()


def test_a_wiped_drive_gets_its_segment_shards_back(tmp_path):
    s = SiltServer(tmp_path)
    s.start(extra_args=SMALL + FAST)
    try:
        s3 = s.boto3()
        s3.create_bucket(Bucket="wipe")
        bodies = {f"k{i}": os.urandom(1000 + 997 * i) for i in range(12)}
        for k, v in bodies.items():
            s3.put_object(Bucket="wipe", Key=k, Body=v)
        victim = s.drives()[2]
        victim.rename(victim.with_name("wiped"))
        shutil.rmtree(victim.with_name("wiped"))
        status = wait_for("the rebuild of the wiped drive", lambda: (lambda st: st if all(
            d["state"] == "online" for d in st["drives"]) and (st["healing"]["last"] or {}).get("kind") == "rebuild"
            else None)(admin_json(s, "status")), timeout=60)
        assert status["healing"]["last"]["shards_repaired"] == len(bodies)
        assert status["healing"]["last"]["errors"] == 0
        # Two other drives lost: every object needs drive 2's rebuilt shard.
        lose_segments(s, [0, 5])
        for k, v in bodies.items():
            assert s3.get_object(Bucket="wipe", Key=k)["Body"].read() == v
    finally:
        assert s.stop() == 0, s.log_tail()


def test_a_torn_tail_left_by_a_crash_is_cut_at_start(server):
    s3 = server.boto3()
    s3.create_bucket(Bucket="torn")
    s3.put_object(Bucket="torn", Key="k", Body=b"x" * 5000)
    assert server.stop() == 0
    seg = sorted((server.drives()[0] / "segments").glob("*.seg"))[-1]
    good = seg.stat().st_size
    with open(seg, "ab") as f:  # half an entry: a write a kill -9 cut short
        f.write(b"SILTSEGE" + os.urandom(70))
    server.start()
    wait_for("the sweep of the torn tail", lambda: seg.stat().st_size == good)
    assert s3.get_object(Bucket="torn", Key="k")["Body"].read() == b"x" * 5000


def test_a_segment_cut_before_its_header_is_removed_at_start(server):
    """A kill -9 between a segment's creation and its header's write leaves a file shorter
    than the header: it holds nothing, and the reclaim pass after the next start removes it
    (it used to count as fully used and stay forever)."""
    s3 = server.boto3()
    s3.create_bucket(Bucket="headless")
    s3.put_object(Bucket="headless", Key="k", Body=b"y" * 5000)
    assert server.stop() == 0
    segments = server.drives()[0] / "segments"
    last = max(int(p.stem, 16) for p in segments.glob("*.seg"))
    empty = segments / f"{last + 1:016x}.seg"
    empty.touch()
    torn = segments / f"{last + 2:016x}.seg"
    torn.write_bytes(b"SILTSEGF\x01\x00")
    server.start()
    wait_for("the headless segments to be removed", lambda: not empty.exists() and not torn.exists())
    assert s3.get_object(Bucket="headless", Key="k")["Body"].read() == b"y" * 5000
    for path in segments.glob("*.seg"):
        read_segment(path)  # every segment left has a good header


def segment_bytes(server):
    return sum(f.stat().st_size for d in server.drives() for f in (d / "segments").glob("*.seg"))


def test_soak_overwrites_and_deletes_give_their_space_back(tmp_path):
    """Issue 21 item 6: small objects overwritten and deleted round after round; the
    reclaimer removes and compacts the segments they leave dead, drive usage comes
    back near where it started, and every live object reads back whole."""
    seg_size = 64 * 1024
    s = SiltServer(tmp_path)
    s.start(extra_args=SMALL + FAST + ("--segment-size", str(seg_size)))
    try:
        s3 = s.boto3()
        s3.create_bucket(Bucket="soak")
        rng = random.Random(21)
        keep = {f"keep/{i}": os.urandom(rng.randint(0, 20_000)) for i in range(40)}
        for k, v in keep.items():
            s3.put_object(Bucket="soak", Key=k, Body=v)
        start = segment_bytes(s)
        churn = {}
        peak = start
        for rnd in range(6):
            for i in range(60):
                k = f"churn/{rng.randint(0, 79)}"
                if k in churn and rng.random() < 0.3:
                    s3.delete_object(Bucket="soak", Key=k)
                    del churn[k]
                else:
                    churn[k] = os.urandom(rng.randint(1, 30_000))
                    s3.put_object(Bucket="soak", Key=k, Body=churn[k])
            peak = max(peak, segment_bytes(s))
            for k, v in churn.items():
                assert s3.get_object(Bucket="soak", Key=k)["Body"].read() == v, (rnd, k)
        for k in list(churn):
            s3.delete_object(Bucket="soak", Key=k)
        assert peak > 2 * start
        # The reclaimer runs on its own once a quarter segment per drive died; a heal
        # pass runs it too (and leaves nothing for the wait below to depend on luck).
        assert s.admin("heal").returncode == 0
        # Near the start: the keep objects (compacted) plus at most the open segment
        # and one more per drive.
        end = wait_for("the space back", lambda: (lambda b: b if b <= start + 6 * 2 * seg_size else None)(
            segment_bytes(s)), timeout=60)
        print(f"segment bytes: start {start}, peak {peak}, end {end}")
        for k, v in keep.items():
            assert s3.get_object(Bucket="soak", Key=k)["Body"].read() == v
        for k in churn:
            with pytest.raises(s3.exceptions.ClientError):
                s3.head_object(Bucket="soak", Key=k)
    finally:
        assert s.stop() == 0, s.log_tail()


def path_starts_with(prefix):
    """A gdb condition: unlink's argument begins with prefix. Char by char, because gdb
    cannot call into silt here (its string functions need the inferior's memory)."""
    return " && ".join(f"((char*)$rdi)[{i}] == {ord(c)}" for i, c in enumerate(prefix))


# Where a compaction (erasure/segment_reclaim.h) is cut: (function, gdb condition of the
# data folder, hits let through).
COMPACTION_POINTS = {
    # Live shards appended durably to the open segment; the index still names the old places.
    "appended": ("silt::Index::move_segments_if", None, 0),
    # Some shards' new places committed, the others' not yet.
    "half-moved": ("silt::Index::move_segments_if", None, 2),
    # Every new place committed; the old segment file about to be removed.
    "moved": ("unlink", lambda data: path_starts_with(f"{data}/drive-1/segments/"), 0),
}


@pytest.mark.parametrize("point", sorted(COMPACTION_POINTS))
def test_kill_during_compaction_loses_nothing(tmp_path, point):
    """Issue 21 item 6: silt killed -9 in the middle of a segment compaction restarts with
    every live object whole and no deleted one back; the next pass gives the space back; an
    index rebuilt from the drives afterwards agrees."""
    seg_size = 64 * 1024
    s = SiltServer(tmp_path)
    s.args = SMALL + FAST + ("--segment-size", str(seg_size))
    s.start()
    try:
        s3 = s.boto3()
        s3.create_bucket(Bucket="cmp")
        rng = random.Random(point)
        keep, doomed = {}, {}
        # Interleaved, so every sealed segment holds live entries to move and dead ones.
        for i in range(150):
            k, v = f"k{i:03d}", os.urandom(rng.randint(1, 20_000))
            s3.put_object(Bucket="cmp", Key=k, Body=v)
            (keep if i % 3 == 0 else doomed)[k] = v
        peak = segment_bytes(s)
        deleted = []

        def delete_then_heal():
            # The reclaimer starts on its own once enough is dead, or after the heal pass
            # (which answers first: hence the settle time below).
            for k in doomed:
                s3.delete_object(Bucket="cmp", Key=k)
                deleted.append(k)
            s.admin("heal", timeout=60)

        function, condition, ignore = COMPACTION_POINTS[point]
        condition = condition and condition(s.data_dir)
        assert kill_when_reached(s, function, delete_then_heal, condition, ignore, settle=30), s.log_tail()

        def check():
            listed = {o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket="cmp")
                      for o in p.get("Contents", [])}
            assert set(keep) <= listed and not listed & set(deleted), (sorted(listed), deleted)
            for k in listed:  # a delete the kill cut short may or may not have happened
                body = s3.get_object(Bucket="cmp", Key=k)["Body"].read()
                assert body == keep.get(k, doomed.get(k)), k
            return listed

        s.start()
        s3 = s.boto3()
        before = check()
        for k in before - set(keep):  # finish the deletes; then compaction has all to do
            s3.delete_object(Bucket="cmp", Key=k)
            deleted.append(k)
        assert s.admin("heal").returncode == 0
        # A third of what was written is live: that, plus at most the open segment and one
        # more per drive (and the bound says something: it is well below the peak).
        bound = peak / 3 + 6 * 2 * seg_size
        assert bound < 0.75 * peak
        wait_for("the space back", lambda: segment_bytes(s) <= bound, timeout=60)
        assert check() == set(keep)
        assert s.stop() == 0, s.log_tail()
        shutil.rmtree(s.data_dir / "index")
        r = subprocess.run([str(silt_binary()), "admin", "rebuild-index", "--data", str(s.data_dir)],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        s.start()
        s3 = s.boto3()
        assert check() == set(keep)
    finally:
        s.stop()
