#!/usr/bin/python3
"""Fault soak: rounds of damage to the drives behind a running silt's back, each
followed by a check that nothing was lost and that healing put every shard back
byte for byte.

Each round uploads a few objects (some multipart, some in the compressed class),
snapshots the md5 of every file under every drive's data/, then does one of:
flip bytes in shards, delete shard files, truncate shard files, delete whole data
dirs (at most m = 2 drives per object each time), or wipe a whole drive. Then
every object must read back byte-identical (those reads also queue repairs),
`silt admin heal` must end without errors or lost versions, every drive must be
online again, and the drive files must equal the snapshot.

    /usr/bin/python3 test/integration/fault_soak.py --rounds 100 [--seed N]

test_healing.py runs a short version in CI.
"""
import argparse
import hashlib
import json
import pathlib
import random
import shutil
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from silt_server import SiltServer  # noqa: E402

MiB = 1 << 20
DAMAGE = ["flip", "delete", "truncate", "remove_dir", "wipe_drive"]


def data_files(server):
    out = {}
    for d in server.drives():
        for p in (d / "data").rglob("*"):
            if p.is_file():
                out[str(p.relative_to(server.data_dir))] = hashlib.md5(p.read_bytes()).hexdigest()
    return out


def object_dirs(server):
    """{(bucket, key): {drive index: data dir}} of every object data dir (parts by their meta)."""
    out = {}
    for i, d in enumerate(server.drives()):
        for meta in (d / "data").glob("*/*/meta.json"):
            m = json.loads(meta.read_text())
            if m.get("delete_marker"):
                continue
            out.setdefault((m.get("bucket"), m.get("key"), meta.parent.name), {})[i] = meta.parent
    return out


class Soak:
    def __init__(self, workdir, seed=None, log=print):
        self.seed = seed if seed is not None else random.randrange(1 << 30)
        self.rng = random.Random(self.seed)
        self.server = SiltServer(pathlib.Path(workdir))
        self.log = log
        self.objects = {}  # key -> bytes
        # shards_repaired counts what the explicit heal passes rebuilt; reads find most
        # damage first and the healer repairs it off the queue before that.
        self.stats = {"rounds": 0, "shards_damaged": 0, "drives_wiped": 0, "shards_repaired": 0,
                      "bytes_read_back": 0}
        self.by_damage = {d: 0 for d in DAMAGE}
        self.failures = []

    def admin(self, *args):
        r = self.server.admin("--json", *args)
        if r.returncode != 0:
            raise RuntimeError(f"silt admin {' '.join(args)}: {r.stderr}")
        return json.loads(r.stdout)

    def upload(self, s3, n):
        for _ in range(n):
            key = f"obj-{len(self.objects):05d}"
            size = self.rng.choice([0, 1, 4096, MiB - 1, MiB + 1, 3 * MiB + 7])
            body = self.rng.randbytes(size)
            if self.rng.random() < 0.15:
                up = s3.create_multipart_upload(Bucket="soak", Key=key)
                tail = self.rng.randbytes(self.rng.randrange(1, MiB))
                body = self.rng.randbytes(5 * MiB) + tail
                parts = []
                for num, chunk in ((1, body[:5 * MiB]), (2, tail)):
                    e = s3.upload_part(Bucket="soak", Key=key, UploadId=up["UploadId"], PartNumber=num, Body=chunk)
                    parts.append({"PartNumber": num, "ETag": e["ETag"]})
                s3.complete_multipart_upload(Bucket="soak", Key=key, UploadId=up["UploadId"],
                                             MultipartUpload={"Parts": parts})
            else:
                cls = "STANDARD_IA" if self.rng.random() < 0.3 else "STANDARD"
                s3.put_object(Bucket="soak", Key=key, Body=body, StorageClass=cls)
            self.objects[key] = body

    def damage(self):
        kind = self.rng.choice(DAMAGE)
        self.by_damage[kind] += 1
        if kind == "wipe_drive":
            # Renamed away first: the drive vanishes at once, not while silt looks at it.
            victim = self.rng.choice(self.server.drives())
            gone = victim.with_name(victim.name + ".wiped")
            victim.rename(gone)
            shutil.rmtree(gone)
            self.stats["drives_wiped"] += 1
            return kind
        for (_, _, _), dirs in object_dirs(self.server).items():
            if self.rng.random() < 0.5:
                continue
            for i in self.rng.sample(sorted(dirs), min(2, len(dirs))):
                d = dirs[i]
                parts = sorted(d.glob("part.*"))
                if kind == "remove_dir":
                    shutil.rmtree(d)
                elif parts and kind == "delete":
                    parts[0].unlink()
                elif parts and kind == "truncate":
                    with open(parts[0], "r+b") as f:
                        f.truncate(max(0, parts[0].stat().st_size - self.rng.randrange(1, 64)))
                elif parts and kind == "flip":
                    size = parts[0].stat().st_size
                    if size <= 32:
                        continue
                    with open(parts[0], "r+b") as f:
                        at = self.rng.randrange(32, size)
                        f.seek(at)
                        b = f.read(1)
                        f.seek(at)
                        f.write(bytes([b[0] ^ (1 << self.rng.randrange(8))]))
                else:
                    continue
                self.stats["shards_damaged"] += 1
        return kind

    def check(self, s3, pristine, kind):
        for key, body in self.objects.items():
            got = s3.get_object(Bucket="soak", Key=key)["Body"].read()
            self.stats["bytes_read_back"] += len(got)
            if got != body:
                self.failures.append(f"round {self.stats['rounds']} ({kind}): {key} reads back wrong")
        heal = self.admin("heal")["last"]
        self.stats["shards_repaired"] += heal["shards_repaired"]
        if heal["errors"] or heal["objects_lost"]:
            self.failures.append(f"round {self.stats['rounds']} ({kind}): heal pass {heal}")
        deadline = time.time() + 60
        while True:
            status = self.admin("status")
            whole = all(d["state"] == "online" for d in status["drives"]) and status["healing"]["backlog"] == 0
            if whole and data_files(self.server) == pristine:
                break
            if time.time() > deadline:
                now = data_files(self.server)
                diff = sorted(set(pristine.items()) ^ set(now.items()))[:5]
                self.failures.append(f"round {self.stats['rounds']} ({kind}): drives not restored: {diff}, "
                                     f"{[(d['slot'], d['state']) for d in status['drives']]}")
                break
            time.sleep(0.2)

    def run(self, rounds, per_round=6):
        self.server.start(extra_args=("--drive-check-interval", "0.3", "--scrub-interval", "0"))
        try:
            s3 = self.server.boto3()
            s3.create_bucket(Bucket="soak")
            for _ in range(rounds):
                self.upload(s3, per_round)
                pristine = data_files(self.server)
                kind = self.damage()
                self.stats["rounds"] += 1
                self.check(s3, pristine, kind)
                if self.failures:
                    break
                if self.log and self.stats["rounds"] % 10 == 0:
                    self.log(f"round {self.stats['rounds']}: {self.stats}")
        finally:
            self.server.stop()
        return self


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--seed", type=int)
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="silt-soak-")
    start = time.time()
    s = Soak(tmp.name, seed=args.seed, log=lambda m: print(m, file=sys.stderr)).run(args.rounds)
    ok = not s.failures and s.stats["rounds"] == args.rounds
    print(json.dumps({"ok": ok, "seed": s.seed, "seconds": round(time.time() - start), **s.stats,
                      "objects": len(s.objects), "damage": s.by_damage, "failures": s.failures[:10]}))
    if ok:
        tmp.cleanup()
    else:
        print(f"data kept in {tmp.name}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
