#!/usr/bin/python3
"""Crash-safety harness: a mixed S3 workload, `kill -9` of silt at random moments,
restart on the same data dir, and a full check of what survived.

    /usr/bin/python3 test/integration/crash_harness.py --kills 200      # the long run
    /usr/bin/python3 test/integration/crash_harness.py --help

(SILT_BIN picks the binary, default build/silt.) test_crash.py runs the short
version in CI; `run()` is the entry point for tests and bench scripts.

How it decides what must have survived. Every worker thread owns its own keys (in
an unversioned and a versioning-enabled bucket), so the operations on one key are
sequential and their order is known. Each operation declares its *effect* on a
key before it is sent; when the response comes back OK the effect is applied as
certain (acknowledged), otherwise as possible: the key's model then holds every
state it may be in. A worker stops at its first unacknowledged operation, so that
operation is the last one on its keys before the kill, and nothing it sent can
land after a later one. After each restart, with no client running, `verify`
compares the model with what silt shows (listings and full reads) and with the
drives (tmp/ empty; every data directory's meta.json matched, one to one, to a
listed version or a listed part; every listed version and part on >= k drives
with shard files of the right length), then collapses the model to what it saw.

Adding an operation: write `def op_x(w: Worker)` that declares its effects with
`w.effect(...)` / the upload helpers, and add it to OPERATIONS with a weight.

RADOS mode (`rados=` of Harness/run, `--ceph-conf` on the command line): two `silt server
--backend rados` gateways on one cluster and a namespace of the run's own; the workers are
spread over both, each kill takes one of them at random (the other keeps serving until the
round ends), and verify() reads and lists through the gateway that was not killed. In place of
the drive scan it runs `silt admin rados orphans`: no data object the index does not name (a
killed writer's data is named by its intent), and, at the end of the run, once the gateways'
sweepers had the time to take the dead writers' intents, no intent at all. Lifecycle passes
stay out of this mode (the lease across gateways is tested by its own module).
"""
import argparse
import contextlib
import dataclasses
import hashlib
import json
import os
import pathlib
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

import botocore.exceptions

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from checksums import crc32c  # noqa: E402
from silt_server import SiltServer, silt_binary  # noqa: E402

MiB = 1 << 20
PART_SIZE = 5 * MiB  # S3's minimum for every part but the last
# Object sizes (block size is 1 MiB, so the last three span several stripes), with
# weights: mostly small, so a round does many commits, but big ones every few ops.
SIZES = [(0, 3), (1, 2), (17, 2), (4096, 2), (100_001, 3), (MiB, 1), (MiB + 1, 1),
         (3 * MiB + 7, 1), (9 * MiB + 3, 1)]
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
PLAIN, VERSIONED = "crash-plain", "crash-versioned"
MAX_VERSIONS = 5  # beyond this a versioned key prefers deleting its oldest version
MIN_ROUND_WAIT = 20  # seconds a round may run past its random length for min_round_acks
# Lifecycle transitions beside the workload: a lifecycle day of 50 ms and a rule moving
# current versions to STANDARD_IA (the compressed pool) after one day; a thread asks
# for pass after pass while the workers run, so objects are re-encoded while the kills
# go on. Passes run only when asked (interval 0), so verify() can wait for the one a
# restart resumes and then look at drives nobody changes.
LIFECYCLE_ARGS = ("--lifecycle-day-seconds", "0.05", "--lifecycle-interval", "0")
TRANSITION_RULE = {"Rules": [{"ID": "to-ia", "Status": "Enabled", "Filter": {"Prefix": ""},
                              "Transitions": [{"Days": 1, "StorageClass": "STANDARD_IA"}]}]}


# --- the model ----------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Value:
    """Bytes a client sent: md5 and size of the content, and the ETag S3 gives them."""
    md5: str
    size: int
    etag: str

    @staticmethod
    def of(data: bytes) -> "Value":
        m = hashlib.md5(data).hexdigest()
        return Value(m, len(data), m)


ABSENT = "absent"           # unversioned key without an object
DELETE_MARKER = "delete-marker"


def multipart_etag(part_md5s) -> str:
    return hashlib.md5(b"".join(bytes.fromhex(m) for m in part_md5s)).hexdigest() + f"-{len(part_md5s)}"


class KeyModel:
    """Everything a key may be. Unversioned: `possible` (set of Value | ABSENT).
    Versioned: `versions`, the acknowledged versions oldest first [(vid, Value |
    DELETE_MARKER)], plus `maybe_new` (unacknowledged writes that may have added a
    version) and `maybe_removed` (version ids an unacknowledged delete may have removed)."""

    def __init__(self, bucket, key, versioned):
        self.bucket, self.key, self.versioned = bucket, key, versioned
        self.possible = {ABSENT}
        self.versions = []
        self.maybe_new = []
        self.maybe_removed = set()

    def apply(self, effect, acked, vid=None):
        kind = effect[0]
        if not self.versioned:
            new = ABSENT if kind == "delete" else effect[1]
            self.possible = {new} if acked else self.possible | {new}
        elif kind == "delete_version":
            if acked:
                self.versions = [(v, x) for v, x in self.versions if v != effect[1]]
            else:
                self.maybe_removed.add(effect[1])
        else:
            new = DELETE_MARKER if kind == "delete" else effect[1]
            if acked:
                self.versions.append((vid, new))
            else:
                self.maybe_new.append(new)

    def certain_value(self):
        """The object's current bytes if known for sure, else None (copy sources)."""
        if not self.versioned:
            (only,) = self.possible if len(self.possible) == 1 else (None,)
            return only if isinstance(only, Value) else None
        if self.maybe_new or self.maybe_removed or not self.versions:
            return None
        v = self.versions[-1][1]
        return v if isinstance(v, Value) else None


@dataclasses.dataclass
class UploadModel:
    bucket: str
    key: str
    upload_id: str
    parts: dict = dataclasses.field(default_factory=dict)        # number -> Value (acked)
    maybe_parts: dict = dataclasses.field(default_factory=dict)  # number -> Value
    maybe_gone: bool = False          # an unacknowledged complete/abort was sent
    completes_to: Value = None        # value of that complete (checks atomicity)


class Unacked(Exception):
    """An operation whose response did not come back OK."""


# --- workers and operations --------------------------------------------------------

class Worker:
    def __init__(self, harness, index, keys):
        self.h = harness
        self.index = index
        self.keys = keys                 # [KeyModel], owned by this worker only
        self.uploads = {}                # upload id -> UploadModel (acked creates)
        self.maybe_created = []          # (bucket, key) of unacknowledged creates
        self.rng = None
        self.s3 = None
        self.ops = 0

    def pick(self, versioned=None) -> KeyModel:
        pool = [k for k in self.keys if versioned is None or k.versioned == versioned]
        return self.rng.choice(pool)

    def data(self, size=None) -> bytes:
        if size is None:
            sizes, weights = zip(*SIZES)
            size = self.rng.choices(sizes, weights)[0]
        return self.rng.randbytes(size)

    @contextlib.contextmanager
    def effect(self, km: KeyModel, effect):
        """Declares an operation's effect on km; the body calls ack(version_id) once
        the response came back OK. Anything raised before that makes it possible only."""
        acked = []

        def ack(vid=None):
            km.apply(effect, True, vid)
            acked.append(True)
        try:
            yield ack
        except Exception as e:
            if not acked:
                km.apply(effect, False)
            raise Unacked(f"{effect[0]} {km.bucket}/{km.key}: {e!r}") from e

    def check_etag(self, what, got, want):
        if got.strip('"') != want:
            self.h.violation(f"{what}: acknowledged with ETag {got}, expected {want}")


def op_put(w: Worker):
    km = w.pick()
    data = w.data()
    v = Value.of(data)
    with w.effect(km, ("put", v)) as ack:
        r = w.s3.put_object(Bucket=km.bucket, Key=km.key, Body=data)
        ack(r.get("VersionId"))
    w.check_etag(f"PutObject {km.bucket}/{km.key}", r["ETag"], v.etag)


def op_delete(w: Worker):
    km = w.pick()
    with w.effect(km, ("delete",)) as ack:
        r = w.s3.delete_object(Bucket=km.bucket, Key=km.key)
        ack(r.get("VersionId"))


def op_delete_version(w: Worker):
    """Permanently removes one version (the oldest when the key has many)."""
    km = max((k for k in w.keys if k.versioned), key=lambda k: len(k.versions))
    if len(km.versions) <= MAX_VERSIONS:
        km = w.pick(versioned=True)
    if not km.versions:
        return op_put(w)
    vid = km.versions[0][0] if len(km.versions) > MAX_VERSIONS else w.rng.choice(km.versions)[0]
    with w.effect(km, ("delete_version", vid)) as ack:
        w.s3.delete_object(Bucket=km.bucket, Key=km.key, VersionId=vid)
        ack()


def op_delete_objects(w: Worker):
    bucket = w.rng.choice([PLAIN, VERSIONED])
    kms = w.rng.sample([k for k in w.keys if k.bucket == bucket], w.rng.randint(1, 3))
    try:
        r = w.s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k.key} for k in kms]})
    except Exception as e:
        for km in kms:
            km.apply(("delete",), False)
        raise Unacked(f"DeleteObjects {bucket}: {e!r}") from e
    done = {d["Key"]: d for d in r.get("Deleted", [])}
    for km in kms:
        if km.key in done:
            km.apply(("delete",), True, done[km.key].get("DeleteMarkerVersionId"))
        else:
            km.apply(("delete",), False)
    if r.get("Errors"):
        raise Unacked(f"DeleteObjects {bucket}: errors {r['Errors']}")


def op_copy(w: Worker):
    """CopyObject from another of this worker's keys whose bytes are known for sure
    (possibly across buckets), by version id when the source is versioned."""
    sources = [k for k in w.keys if k.certain_value() is not None]
    if not sources:
        return op_put(w)
    src = w.rng.choice(sources)
    dst = w.rng.choice([k for k in w.keys if k is not src])  # onto itself needs a metadata change
    sv = src.certain_value()
    copy_source = {"Bucket": src.bucket, "Key": src.key}
    if src.versioned:
        copy_source["VersionId"] = src.versions[-1][0]
    v = Value(sv.md5, sv.size, sv.md5)  # a copy is one new object: its ETag is the plain md5
    with w.effect(dst, ("put", v)) as ack:
        r = w.s3.copy_object(Bucket=dst.bucket, Key=dst.key, CopySource=copy_source)
        ack(r.get("VersionId"))
    w.check_etag(f"CopyObject {src.key} -> {dst.bucket}/{dst.key}", r["CopyObjectResult"]["ETag"], v.etag)


def _create_upload(w: Worker, km: KeyModel) -> UploadModel:
    try:
        r = w.s3.create_multipart_upload(Bucket=km.bucket, Key=km.key)
    except Exception as e:
        w.maybe_created.append((km.bucket, km.key))
        raise Unacked(f"CreateMultipartUpload {km.bucket}/{km.key}: {e!r}") from e
    up = UploadModel(km.bucket, km.key, r["UploadId"])
    w.uploads[up.upload_id] = up
    return up


def _upload_part(w: Worker, up: UploadModel, number: int, data: bytes) -> Value:
    v = Value.of(data)
    try:
        r = w.s3.upload_part(Bucket=up.bucket, Key=up.key, UploadId=up.upload_id, PartNumber=number, Body=data)
    except Exception as e:
        up.maybe_parts[number] = v
        raise Unacked(f"UploadPart {up.key} #{number}: {e!r}") from e
    up.parts[number] = v
    w.check_etag(f"UploadPart {up.key} #{number}", r["ETag"], v.etag)
    return v


def op_multipart(w: Worker):
    """Create, 1-3 parts of 5 MiB plus a short last one, complete."""
    km = w.pick()
    up = _create_upload(w, km)
    whole, md5s = hashlib.md5(), []
    count = w.rng.randint(1, 3)
    for n in range(1, count + 1):
        data = w.data(PART_SIZE) if n < count else w.data(w.rng.choice([0, 1, 1000, 777_777, PART_SIZE]))
        whole.update(data)
        md5s.append(_upload_part(w, up, n, data).md5)
    size = sum(p.size for p in up.parts.values())
    v = Value(whole.hexdigest(), size, multipart_etag(md5s))
    parts = [{"PartNumber": n, "ETag": '"' + p.md5 + '"'} for n, p in sorted(up.parts.items())]
    up.completes_to = v
    with w.effect(km, ("put", v)) as ack:
        try:
            r = w.s3.complete_multipart_upload(Bucket=km.bucket, Key=km.key, UploadId=up.upload_id,
                                               MultipartUpload={"Parts": parts})
        except Exception:
            up.maybe_gone = True
            raise
        ack(r.get("VersionId"))
        del w.uploads[up.upload_id]
    w.check_etag(f"CompleteMultipartUpload {km.bucket}/{km.key}", r["ETag"], v.etag)


def op_abort(w: Worker):
    """Create, one part, abort."""
    up = _create_upload(w, w.pick())
    _upload_part(w, up, 1, w.data(w.rng.choice([1, 100_001, MiB + 1])))
    try:
        w.s3.abort_multipart_upload(Bucket=up.bucket, Key=up.key, UploadId=up.upload_id)
    except Exception as e:
        up.maybe_gone = True
        raise Unacked(f"AbortMultipartUpload {up.key}: {e!r}") from e
    del w.uploads[up.upload_id]


# (name, weight, function): extend here (e.g. lifecycle transitions).
OPERATIONS = [
    ("put", 10, op_put),
    ("delete", 3, op_delete),
    ("delete_version", 2, op_delete_version),
    ("delete_objects", 2, op_delete_objects),
    ("copy", 3, op_copy),
    ("multipart", 2, op_multipart),
    ("abort_multipart", 1, op_abort),
]


# --- what silt shows ---------------------------------------------------------------

@dataclasses.dataclass
class Listed:
    key: str
    vid: str
    latest: bool
    dm: bool
    etag: str
    size: int


def list_versions(server, bucket):
    """Every version and delete marker of a bucket in listing order (raw XML, so
    Version and DeleteMarker stay interleaved newest first)."""
    out, markers = [], []
    while True:
        r = server.request("GET", bucket, "", [("versions", None), ("max-keys", "100")] + markers)
        if r.status != 200:
            raise RuntimeError(f"ListObjectVersions {bucket}: {r}")
        root = ET.fromstring(r.body)
        for el in root:
            if el.tag in (NS + "Version", NS + "DeleteMarker"):
                dm = el.tag == NS + "DeleteMarker"
                out.append(Listed(el.findtext(NS + "Key"), el.findtext(NS + "VersionId"),
                                  el.findtext(NS + "IsLatest") == "true", dm,
                                  "" if dm else el.findtext(NS + "ETag").strip('"'),
                                  0 if dm else int(el.findtext(NS + "Size"))))
        if root.findtext(NS + "IsTruncated") != "true":
            return out
        markers = [("key-marker", root.findtext(NS + "NextKeyMarker")),
                   ("version-id-marker", root.findtext(NS + "NextVersionIdMarker"))]


def read_md5(s3, bucket, key, vid=None):
    """(md5, length, ETag) of a full GET, or None on 404."""
    kw = {"VersionId": vid} if vid and vid != "null" else {}
    try:
        r = s3.get_object(Bucket=bucket, Key=key, **kw)
    except s3.exceptions.NoSuchKey:
        return None
    except botocore.exceptions.ClientError as e:
        if vid is None and e.response["Error"]["Code"] == "MethodNotAllowed":  # latest is a delete marker
            return None
        raise
    h, n = hashlib.md5(), 0
    for chunk in iter(lambda: r["Body"].read(MiB), b""):
        h.update(chunk)
        n += len(chunk)
    if n != r["ContentLength"]:
        raise RuntimeError(f"GET {bucket}/{key}: {n} bytes, Content-Length {r['ContentLength']}")
    return h.hexdigest(), n, r["ETag"].strip('"')


# --- what the drives hold ----------------------------------------------------------

def shard_length(size, block_size, k):
    """Bytes of one shard file (docs/format.md 'Shard file'): header, then per stripe
    one block of ceil(L/k) bytes plus its CRC."""
    n, left = 32, size
    while left > 0:
        stripe = min(block_size, left)
        n += -(-stripe // k) + 4
        left -= stripe
    return n


@dataclasses.dataclass
class DataDir:
    data_id: str
    drives: set = dataclasses.field(default_factory=set)
    records: list = dataclasses.field(default_factory=list)  # one parsed meta.json per drive
    in_segments: bool = False  # a small object's entries in segment files, not a directory

    def object_record(self):
        return next((r for r in self.records if r.get("kind") != "part"), None)

    def part_record(self):
        return next((r for r in self.records if r.get("kind") == "part"), None)


def read_segment(path):
    """The entries of one segment file, parsed from docs/format.md ("Segment files")
    alone: [(kind, shard index, data id, shard image length, record bytes or None)],
    up to a torn or damaged entry header."""
    b = path.read_bytes()
    if len(b) < 32 or b[:8] != b"SILTSEGF" or crc32c(b[:28]) != int.from_bytes(b[28:32], "little"):
        raise ValueError(f"{path}: bad segment file header")
    out, at = [], 32
    while len(b) - at >= 60:
        h = b[at:at + 60]
        if h[:8] != b"SILTSEGE" or crc32c(h[:56]) != int.from_bytes(h[56:60], "little"):
            break
        kind, shard = int.from_bytes(h[8:12], "little"), int.from_bytes(h[12:16], "little")
        shard_len, rec_len = int.from_bytes(h[48:52], "little"), int.from_bytes(h[52:56], "little")
        end = at + 60 + shard_len + rec_len + 4
        if end > len(b):
            break  # torn tail
        rec = b[at + 60 + shard_len:end - 4]
        ok = crc32c(rec) == int.from_bytes(b[end - 4:end], "little")
        out.append((kind, shard, h[16:48].decode(), shard_len, rec if ok else None))
        at = end
    return out


def scan_segments(server, violation, dirs):
    """Adds the small objects of every drive's segment files to dirs: per data id the
    drives holding a shard entry of the right length and each drive's latest record
    copy; data ids a Dead entry names (deleted or replaced) are left out."""
    dead, found = set(), {}
    for idx, drive in enumerate(server.drives()):
        seg = drive / "segments"
        if not seg.is_dir():
            continue
        latest = {}
        for path in sorted(seg.iterdir()):
            try:
                entries = read_segment(path)
            except FileNotFoundError:
                # The running server's reclaimer removed it after listing: its live and
                # still-needed Dead entries were copied to a later segment first, which
                # this sorted walk reads next.
                continue
            except (OSError, ValueError) as e:
                violation(str(e))
                continue
            for kind, shard, did, shard_len, rec in entries:
                if kind == 3:
                    dead.add(did)
                    continue
                if rec is None:
                    violation(f"{path}: damaged record copy of {did}")
                    continue
                r = json.loads(rec)
                latest[did] = r
                if kind == 1:
                    lay = r["layout"]
                    want = shard_length(r["size"], lay["block_size"], lay["k"])
                    if shard_len != want:
                        violation(f"{path}: shard {shard} of {did} holds {shard_len} bytes, "
                                  f"a {r['size']}-byte object makes {want}")
                    found.setdefault(did, set()).add(idx)
        for did, r in latest.items():
            dd = dirs.setdefault(did, DataDir(did, in_segments=True))
            if idx in found.get(did, ()):
                dd.drives.add(idx)
                dd.records.append(r)
    for did in dead:
        if did in dirs and dirs[did].in_segments:
            del dirs[did]
    for did in [d for d, dd in dirs.items() if dd.in_segments and not dd.records]:
        del dirs[did]


def scan_drives(server, violation):
    """{data_id: DataDir}; reports tmp/ leftovers and malformed data directories."""
    dirs = {}
    scan_segments(server, violation, dirs)
    for idx, drive in enumerate(server.drives()):
        tmp = drive / "tmp"
        left = sorted(p.name for p in tmp.iterdir()) if tmp.is_dir() else []
        if left:
            violation(f"{tmp}: {len(left)} entries left after startup: {left[:5]}")
        data = drive / "data"
        if not data.is_dir():
            continue
        for fan in data.iterdir():
            if not fan.is_dir():
                violation(f"{fan}: not a fan-out directory")
                continue
            for d in fan.iterdir():
                if not d.is_dir() or d.name[:2] != fan.name:
                    violation(f"{d}: unexpected entry in data/")
                    continue
                try:
                    rec = json.loads((d / "meta.json").read_bytes())
                except (OSError, ValueError) as e:
                    violation(f"{d}: unreadable meta.json ({e})")
                    continue
                dd = dirs.setdefault(d.name, DataDir(d.name))
                dd.drives.add(idx)
                dd.records.append(rec)
                check_shard_files(d, rec, violation)
    return dirs


def check_shard_files(d, rec, violation):
    """A data dir holds meta.json and exactly its part.N, of the length its size implies."""
    if rec.get("delete_marker"):
        # A delete marker's own dir (docs/format.md, "Drive mirror"): its record alone.
        names = sorted(p.name for p in d.iterdir())
        if names != ["meta.json"] or rec["layout"].get("data_id") != d.name:
            violation(f"{d}: delete marker dir holds {names}, names {rec['layout'].get('data_id')}")
        return
    if rec.get("kind") == "part":
        number, size = rec["number"], rec["size"]
    else:
        mine = [p for p in rec.get("parts", []) if p.get("data_id") == d.name]
        if not mine:
            violation(f"{d}: object record does not name this data dir")
            return
        number, size = mine[0]["number"], mine[0]["size"]
    names = sorted(p.name for p in d.iterdir())
    if names != sorted(["meta.json", f"part.{number}"]):
        violation(f"{d}: holds {names}, expected meta.json and part.{number}")
        return
    lay = rec["layout"]
    if lay.get("compression"):
        # Compressed (moved by a transition): stripes are frames of varying length, so
        # no length follows from the size; the file must still end with its stripe
        # length table, whose last 8 bytes are "SILTTABL" (docs/format.md).
        path = d / f"part.{number}"
        with open(path, "rb") as f:
            f.seek(max(0, path.stat().st_size - 8))
            tail = f.read()
        if path.stat().st_size < 32 + 20 or tail != b"SILTTABL":
            violation(f"{path}: {path.stat().st_size} bytes, not ending in its stripe length table")
        return
    want = shard_length(size, lay["block_size"], lay["k"])
    got = (d / f"part.{number}").stat().st_size
    if got != want:
        violation(f"{d}/part.{number}: {got} bytes, a {size}-byte part makes {want}")


# --- the cluster, in RADOS mode ------------------------------------------------------

RADOS_INTENT_TIMEOUT = 5  # seconds: a killed gateway's intents are swept this long after


def rados_config(path, ceph_conf, namespace):
    """The gateways' config: 1 MiB stripes (the SIZES above span several), a short intent
    timeout and a GC pass every second, so a killed writer's leftovers go within seconds."""
    path.write_text(json.dumps({
        "backend": "rados",
        "rados": {"ceph_conf": str(ceph_conf), "namespace": namespace, "stripe_bytes": MiB,
                  "intent_timeout_seconds": RADOS_INTENT_TIMEOUT, "gc_interval_seconds": 1,
                  "gc_grace_seconds": 2},
        "pools": [{"name": "standard", "rados_pool": "silt.std"}],
        "storage_classes": {"STANDARD": "standard"},
    }))
    return path


def rados_orphans(config, intent_timeout):
    """`silt admin rados orphans` -> (exit code, output); intents older than intent_timeout
    seconds count as stale."""
    argv = [str(silt_binary()), "admin", "rados", "orphans", "--config", str(config),
            "--intent-timeout", str(intent_timeout)]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout + r.stderr


# --- the harness ---------------------------------------------------------------------

class Harness:
    def __init__(self, workdir, workers=4, keys_per_worker=5, seed=None, max_interval=3.0,
                 startup_kill_chance=0.2, log=print, inline_threshold=0, rados=None, min_round_acks=0):
        """rados: None (one single-node silt), or {"ceph_conf": path, "namespace": name} for
        two RADOS-backed gateways on that cluster (the module docstring, "RADOS mode").
        min_round_acks: a round's kill also waits (up to MIN_ROUND_WAIT s) until that many
        operations of the round were acknowledged, so a slow machine still gives each kill
        work to cut and to check."""
        self.workdir = pathlib.Path(workdir)
        self.seed = seed if seed is not None else random.randrange(1 << 32)
        self.rng = random.Random(self.seed)
        self.max_interval = max_interval
        self.min_round_acks = min_round_acks
        self.startup_kill_chance = startup_kill_chance
        self.log = log
        self.rados_config = None
        if rados is None:
            self.server = SiltServer(self.workdir)
            self.server.args = LIFECYCLE_ARGS + ("--inline-threshold", str(inline_threshold))
            self.gateways = [self.server]
        else:
            self.workdir.mkdir(parents=True, exist_ok=True)
            self.rados_config = rados_config(self.workdir / "silt-rados.json", rados["ceph_conf"],
                                             rados["namespace"])
            self.gateways = []
            for name in ("gw0", "gw1"):
                g = SiltServer(self.workdir / name)
                g.args = ("--backend", "rados", "--config", str(self.rados_config))
                self.gateways.append(g)
            self.server = self.gateways[0]  # the one to restart next; set by each kill
        self.reader = self.server  # the gateway verify() reads through
        self.violations = []
        self.unexpected = []     # failures while silt was not being killed
        self.killing = threading.Event()
        self._lock = threading.Lock()
        self.kills = 0
        self.stats = {"acked_ops": 0, "unacked_ops": 0, "versions_checked": 0, "bytes_read": 0,
                      "data_dirs_checked": 0, "uploads_checked": 0, "mpu_first_part_not_rewritten": 0,
                      "startup_kills": 0, "transitioned_dirs_seen": 0, "segment_objects_seen": 0,
                      "unreferenced_segment_objects": 0, "rados_kills": [0, 0], "orphan_checks": 0}
        self.by_op = {}  # operation -> {"acked": n, "interrupted": n}
        self._clients = {}  # (who, gateway index) -> boto3 client, see client()
        self.workers = []
        for i in range(workers):
            keys = [KeyModel(b, f"w{i}/k{j}", b == VERSIONED)
                    for b in (PLAIN, VERSIONED) for j in range(keys_per_worker)]
            self.workers.append(Worker(self, i, keys))

    def violation(self, msg):
        with self._lock:
            self.violations.append(f"[after kill {self.kills}] {msg}")

    def count(self, stat, n=1):
        with self._lock:
            self.stats[stat] += n

    def count_op(self, outcome, name):
        with self._lock:
            per = self.by_op.setdefault(name, {"acked": 0, "interrupted": 0})
            per[outcome] += 1

    def client(self, who, gateway, **config):
        """WHO's boto3 client of GATEWAY (with CONFIG, fixed per WHO), made once per run: a new
        client costs 0.1-0.5 s of CPU on a busy 2-core box, and each round and check needs one per
        worker. Its pooled connections are dropped on every call, so none to a killed process is
        ever reused."""
        key = (who, self.gateways.index(gateway))
        c = self._clients.get(key)
        if c is None:
            c = self._clients[key] = gateway.boto3(**config)
        else:
            c.close()
        return c

    # process -----------------------------------------------------------------------
    def kill9(self):
        self.killing.set()
        if self.rados_config is not None:  # one gateway of two, at random; the other serves on
            victim = self.rng.randrange(2)
            self.server, self.reader = self.gateways[victim], self.gateways[1 - victim]
            self.stats["rados_kills"][victim] += 1
        self.server.proc.send_signal(signal.SIGKILL)
        self.server.proc.wait()
        self.server._log.close()
        self.server.proc = None
        self.kills += 1

    def start(self):
        """Restarts silt. Now and then it is first killed again during startup, so the
        recovery itself (tmp/ and orphan removal) is interrupted too."""
        if self.rng.random() < self.startup_kill_chance:
            delay = self.rng.uniform(0, 0.15)

            def killer():
                time.sleep(delay)
                if self.server.proc is not None:
                    self.server.proc.kill()
            t = threading.Thread(target=killer)
            t.start()
            try:
                self.server.start()
            except RuntimeError:
                pass  # killed before it was ready
            t.join()
            if self.server.proc is not None:
                self.server.proc.kill()
                self.server.proc.wait()
                self.server._log.close()
                self.server.proc = None
            self.count("startup_kills")
        self.server.start()

    def setup(self):
        for g in self.gateways:
            g.start(timeout=60)
        s3 = self.server.boto3()
        s3.create_bucket(Bucket=PLAIN)
        s3.create_bucket(Bucket=VERSIONED)
        s3.put_bucket_versioning(Bucket=VERSIONED, VersioningConfiguration={"Status": "Enabled"})
        if self.rados_config is not None:
            return
        for b in (PLAIN, VERSIONED):
            s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration=TRANSITION_RULE)

    # one round: workload until a random kill -----------------------------------------
    def round(self):
        self.killing.clear()
        for w in self.workers:
            w.s3 = self.client(f"worker {w.index}", self.gateways[w.index % len(self.gateways)],
                               connect_timeout=2, read_timeout=30)
            w.rng = random.Random(self.rng.getrandbits(64))
        threads = [threading.Thread(target=self._work, args=(w,), daemon=True) for w in self.workers]
        if self.rados_config is None:
            threads.append(threading.Thread(target=self._transitions, daemon=True))
        acked_before = self.stats["acked_ops"]
        for t in threads:
            t.start()
        time.sleep(self.rng.uniform(0.05, self.max_interval))
        waited_until = time.time() + MIN_ROUND_WAIT
        while self.stats["acked_ops"] - acked_before < self.min_round_acks and time.time() < waited_until:
            time.sleep(0.05)
        self.kill9()
        for t in threads:
            t.join(60)
            if t.is_alive():
                raise RuntimeError("a worker did not stop after the kill")

    def _transitions(self):
        """Lifecycle passes back to back until the kill (`lifecycle run` waits for each)."""
        while not self.killing.is_set():
            argv, env = self.server.admin_command("lifecycle", "run")
            subprocess.run(argv, env=env, capture_output=True, timeout=120)

    def wait_lifecycle_idle(self, timeout=120):
        """A pass cut short by the kill resumes at startup; let it finish first."""
        deadline = time.time() + timeout
        idle = 0  # consecutive idle looks, 0.2 s apart: the resumed pass may not have begun yet
        while time.time() < deadline:
            r = self.server.admin("--json", "lifecycle", "status")
            idle = idle + 1 if r.returncode == 0 and not json.loads(r.stdout).get("running") else 0
            if idle == 3:
                return
            time.sleep(0.2)
        self.violation("the lifecycle pass resumed at startup did not finish in time")

    def _work(self, w: Worker):
        names, weights = zip(*[(n, wt) for n, wt, _ in OPERATIONS])
        funcs = {n: f for n, _, f in OPERATIONS}
        while not self.killing.is_set():
            name = w.rng.choices(names, weights)[0]
            if any(k.versioned and len(k.versions) > MAX_VERSIONS for k in w.keys) and w.rng.random() < 0.25:
                name = "delete_version"
            try:
                funcs[name](w)
                self.count("acked_ops")
                self.count_op("acked", name)
            except Unacked as e:
                self.count("unacked_ops")
                self.count_op("interrupted", name)
                if not self.killing.is_set():
                    with self._lock:
                        self.unexpected.append(f"[round {self.kills + 1}] {name}: {e}")
                return  # the last operation on this worker's keys until the restart
            except Exception as e:  # a harness bug: report it, never hide it
                with self._lock:
                    self.unexpected.append(f"[round {self.kills + 1}] {name} raised {e!r}")
                return

    # checks ----------------------------------------------------------------------------
    def verify(self):
        """Run with silt freshly restarted and no client active."""
        if self.rados_config is None:
            self.wait_lifecycle_idle()
            dirs = scan_drives(self.server, self.violation)
            self.stats["data_dirs_checked"] += len(dirs)
            self.stats["segment_objects_seen"] += sum(1 for dd in dirs.values() if dd.in_segments)
            self.stats["transitioned_dirs_seen"] += sum(
                1 for dd in dirs.values() if any(r.get("layout", {}).get("compression") for r in dd.records))
        s3 = self.client("verify", self.reader, read_timeout=60)
        listed = {b: list_versions(self.reader, b) for b in (PLAIN, VERSIONED)}
        uploads = {}
        for b in (PLAIN, VERSIONED):
            for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=b):
                for u in page.get("Uploads", []):
                    parts = {}
                    for pp in s3.get_paginator("list_parts").paginate(Bucket=b, Key=u["Key"],
                                                                       UploadId=u["UploadId"]):
                        for p in pp.get("Parts", []):
                            parts[p["PartNumber"]] = (p["ETag"].strip('"'), p["Size"])
                    uploads[u["UploadId"]] = (b, u["Key"], parts)
        current = {}
        for b in (PLAIN, VERSIONED):
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=b):
                for o in page.get("Contents", []):
                    current[(b, o["Key"])] = (o["ETag"].strip('"'), o["Size"])

        adopted = set()  # values of unacknowledged writes that turned out visible
        by_key = {}
        for b, entries in listed.items():
            for e in entries:
                by_key.setdefault((b, e.key), []).append(e)
        known = {(k.bucket, k.key) for w in self.workers for k in w.keys}
        for bk in set(by_key) - known:
            self.violation(f"listed key {bk} was never written")
        for w in self.workers:
            for km in w.keys:
                entries = by_key.get((km.bucket, km.key), [])
                if km.versioned:
                    self._verify_versioned(s3, km, entries, current, adopted)
                else:
                    self._verify_plain(s3, km, entries, current, adopted)
        self._verify_uploads(uploads, adopted)
        if self.rados_config is None:
            self._verify_drives(dirs, listed, uploads)
        else:
            self._verify_cluster()
        # Start the next round from a clean slate of uploads (and exercise Abort).
        for uid, (b, key, _) in uploads.items():
            s3.abort_multipart_upload(Bucket=b, Key=key, UploadId=uid)
        for w in self.workers:
            w.uploads.clear()
            w.maybe_created.clear()

    def _verify_cluster(self):
        """No data object in the pool that the index does not name. The killed gateway's
        writes in flight are named by their intents (stale or not: not judged here)."""
        rc, out = rados_orphans(self.rados_config, 10 ** 6)
        self.stats["orphan_checks"] += 1
        if rc != 0:
            self.violation(f"silt admin rados orphans (exit {rc}):\n{out}")

    def verify_swept(self, timeout=60):
        """After the run: once the intent timeout has passed with no client, the gateways'
        sweepers leave no intent at all (every intent counts as stale to the check) and
        still no orphan."""
        deadline = time.time() + timeout
        while True:
            rc, out = rados_orphans(self.rados_config, 0.001)
            if rc == 0 or time.time() > deadline:
                break
            time.sleep(1)
        self.stats["orphan_checks"] += 1
        if rc != 0:
            self.violation(f"intents or orphans left {timeout} s after the last kill:\n{out}")

    def _read(self, s3, km, vid, what):
        """read_md5, with a failed read reported as a violation (returns False then)."""
        try:
            return read_md5(s3, km.bucket, km.key, vid)
        except Exception as e:
            self.violation(f"{what}: GET fails: {e}")
            return False

    def _check_absent(self, s3, km, what):
        got = self._read(s3, km, None, what)
        if got:
            self.violation(f"{what}: GET finds {got[1]} bytes md5 {got[0]}")

    def _check_read(self, s3, km, vid, want: Value, what):
        got = self._read(s3, km, vid, what)
        if got is False:
            return
        self.stats["versions_checked"] += 1
        if got is None:
            self.violation(f"{what}: GET answers 404, expected {want.size} bytes md5 {want.md5}")
            return
        self.stats["bytes_read"] += got[1]
        if got[:2] != (want.md5, want.size) or got[2] != want.etag:
            self.violation(f"{what}: GET gives {got[1]} bytes md5 {got[0]} ETag {got[2]}, "
                           f"expected {want.size} bytes md5 {want.md5} ETag {want.etag}")

    def _verify_plain(self, s3, km, entries, current, adopted):
        name = f"{km.bucket}/{km.key}"
        if len(entries) > 1 or any(e.vid != "null" or e.dm or not e.latest for e in entries):
            self.violation(f"{name}: unversioned key lists {entries}")
            return
        if not entries:
            if ABSENT not in km.possible:
                self.violation(f"{name}: acknowledged object lost (expected one of {km.possible})")
            self._check_absent(s3, km, f"{name}: not listed, but")
            if (km.bucket, km.key) in current:
                self.violation(f"{name}: in ListObjectsV2 but not in ListObjectVersions")
            km.possible = {ABSENT}
            return
        e = entries[0]
        match = [v for v in km.possible if isinstance(v, Value) and (v.etag, v.size) == (e.etag, e.size)]
        if not match:
            self.violation(f"{name}: lists ETag {e.etag} size {e.size}, none of {km.possible}")
            return
        if current.get((km.bucket, km.key)) != (e.etag, e.size):
            self.violation(f"{name}: ListObjectsV2 {current.get((km.bucket, km.key))} disagrees "
                           f"with ListObjectVersions {(e.etag, e.size)}")
        self._check_read(s3, km, None, match[0], name)
        if len(km.possible) > 1:
            adopted.add(match[0])
        km.possible = {match[0]}

    def _verify_versioned(self, s3, km, entries, current, adopted):
        name = f"{km.bucket}/{km.key}"
        model = dict(km.versions)
        order = [vid for vid, _ in km.versions]
        maybe = list(km.maybe_new)
        kept = []  # (vid, value) newest first, as listed
        for e in entries:
            got = DELETE_MARKER if e.dm else (e.etag, e.size)
            if e.vid in model:
                want = model[e.vid]
                wanted = DELETE_MARKER if want == DELETE_MARKER else (want.etag, want.size)
                if got != wanted:
                    self.violation(f"{name} version {e.vid}: listed as {got}, acknowledged as {wanted}")
                    continue
                kept.append((e.vid, want))
                continue
            for m in maybe:  # an unacknowledged write that did land
                if (m == DELETE_MARKER and e.dm) or (m != DELETE_MARKER and got == (m.etag, m.size)):
                    maybe.remove(m)
                    kept.append((e.vid, m))
                    adopted.add(m)
                    if e is not entries[0]:
                        self.violation(f"{name}: unacknowledged write {e.vid} is not the newest version")
                    break
            else:
                self.violation(f"{name}: listed version {e.vid} {got} was never written")
        listed_vids = [e.vid for e in entries]
        for vid in order:
            if vid not in listed_vids and vid not in km.maybe_removed:
                self.violation(f"{name}: acknowledged version {vid} ({model[vid]}) lost")
        acked_in_listing = [vid for vid in listed_vids if vid in model]
        if acked_in_listing != [vid for vid in reversed(order) if vid in acked_in_listing]:
            self.violation(f"{name}: versions listed in order {acked_in_listing}, acknowledged in "
                           f"order {order}")
        if entries and [e.latest for e in entries] != [True] + [False] * (len(entries) - 1):
            self.violation(f"{name}: IsLatest flags {[e.latest for e in entries]}")
        for vid, v in kept:
            if v != DELETE_MARKER:
                self._check_read(s3, km, vid, v, f"{name} version {vid}")
        newest = kept[0][1] if kept else DELETE_MARKER
        cur = current.get((km.bucket, km.key))
        if newest == DELETE_MARKER:
            if cur is not None:
                self.violation(f"{name}: latest is a delete marker (or none) but ListObjectsV2 shows {cur}")
            self._check_absent(s3, km, f"{name}: latest is a delete marker (or none), but")
        else:
            if cur != (newest.etag, newest.size):
                self.violation(f"{name}: ListObjectsV2 {cur} disagrees with the newest version {newest}")
            self._check_read(s3, km, None, newest, f"{name} (latest)")
        km.versions = list(reversed(kept))
        km.maybe_new = []
        km.maybe_removed = set()

    def _verify_uploads(self, uploads, adopted):
        seen = set()
        for w in self.workers:
            creates = list(w.maybe_created)
            for uid, up in w.uploads.items():
                name = f"upload {up.bucket}/{up.key} {uid[:12]}"
                if uid not in uploads:
                    if not up.maybe_gone:
                        self.violation(f"{name}: acknowledged upload lost")
                    elif up.completes_to is not None and up.completes_to not in adopted:
                        self.violation(f"{name}: gone, but the object it completes to is not there")
                    continue
                seen.add(uid)
                self.stats["uploads_checked"] += 1
                if up.completes_to is not None and up.completes_to in adopted:
                    self.violation(f"{name}: completed object visible but the upload is still listed")
                _, _, parts = uploads[uid]
                for n, v in up.parts.items():
                    if parts.get(n) != (v.etag, v.size):
                        self.violation(f"{name}: acknowledged part {n} {(v.etag, v.size)} listed as "
                                       f"{parts.get(n)}")
                for n, p in parts.items():
                    if n not in up.parts and (n not in up.maybe_parts
                                              or (up.maybe_parts[n].etag, up.maybe_parts[n].size) != p):
                        self.violation(f"{name}: part {n} {p} was never uploaded")
            for uid, (b, key, parts) in uploads.items():
                if uid in seen or uid in w.uploads or not key.startswith(f"w{w.index}/"):
                    continue
                if (b, key) in creates and not parts:
                    creates.remove((b, key))
                    seen.add(uid)
                else:
                    self.violation(f"upload {b}/{key} {uid[:12]} with parts {sorted(parts)} was never created")
        for uid, (b, key, _) in uploads.items():
            if uid not in seen and not any(key.startswith(f"w{w.index}/") for w in self.workers):
                self.violation(f"upload {b}/{key} {uid[:12]} was never created")

    def _verify_drives(self, dirs, listed, uploads):
        """Every data dir is the data of a listed version or part, one to one, and
        every listed version and part has its data on >= k drives."""
        referenced = set()

        def need(data_id, what):
            dd = dirs.get(data_id)
            k = dd.records[0]["layout"]["k"] if dd else 0
            if dd is None or len(dd.drives) < k:
                self.violation(f"{what}: data {data_id} on {0 if dd is None else len(dd.drives)} drives (k={k})")
            referenced.add(data_id)

        # Object records, by the version they name: exactly when it carries a version id
        # (rewritten after the commit), else by bucket/key/ETag/size (docs/format.md).
        exact, loose, markers = {}, {}, {}
        for dd in dirs.values():
            rec = dd.object_record()
            if rec is None:
                continue
            if rec.get("delete_marker"):
                markers[(rec["bucket"], rec["key"], rec.get("version_id", "null"))] = dd
                continue
            vid = rec.get("version_id", "null")
            if vid != "null" and rec.get("vkey"):
                exact.setdefault((rec["bucket"], rec["key"], vid), []).append(dd)
            else:
                loose.setdefault((rec["bucket"], rec["key"], rec["etag"], rec["size"]), []).append(dd)
        pending_parts = {}  # upload id -> {number: DataDir}, for parts of no listed upload
        for dd in dirs.values():
            rec = dd.part_record()
            if rec is not None and dd.object_record() is None and rec["upload_id"] not in uploads:
                pending_parts.setdefault(rec["upload_id"], {})[rec["number"]] = dd

        for b, entries in listed.items():
            for e in entries:
                if e.dm:
                    if (b, e.key, e.vid) in markers:
                        need(markers[(b, e.key, e.vid)].data_id, f"{b}/{e.key} delete marker {e.vid}")
                    else:
                        self.violation(f"{b}/{e.key} delete marker {e.vid}: no data directory on the drives")
                    continue
                what = f"{b}/{e.key} version {e.vid}"
                cands = exact.get((b, e.key, e.vid)) or loose.get((b, e.key, e.etag, e.size)) or []
                if cands:
                    rec = cands.pop().object_record()
                    if (rec["etag"], rec["size"]) != (e.etag, e.size):
                        self.violation(f"{what}: listed {(e.etag, e.size)}, drives {(rec['etag'], rec['size'])}")
                    for did in [rec["layout"]["data_id"]] + [p["data_id"] for p in rec.get("parts", [])]:
                        if did:
                            need(did, what)
                    continue
                # A completed multipart object whose first part dir still holds its part
                # record (that rewrite is best effort): find its parts by their ETags.
                for uid, parts in pending_parts.items():
                    recs = [parts[n].part_record() for n in sorted(parts)]
                    if (recs[0]["bucket"], recs[0]["key"]) == (b, e.key) and \
                            multipart_etag([r["etag"] for r in recs]) == e.etag:
                        self.stats["mpu_first_part_not_rewritten"] += 1
                        for n in sorted(parts):
                            need(parts[n].data_id, what)
                        del pending_parts[uid]
                        break
                else:
                    self.violation(f"{what} ({e.etag}, {e.size} bytes): no data directory on the drives")
        for uid, (b, key, parts) in uploads.items():
            found = {}
            for dd in dirs.values():
                rec = dd.part_record()
                if rec is not None and rec["upload_id"] == uid and dd.object_record() is None:
                    if rec["number"] in found:
                        self.violation(f"upload {key} {uid[:12]} part {rec['number']}: two data dirs")
                    found[rec["number"]] = dd
            for n, (etag, size) in parts.items():
                dd = found.get(n)
                if dd is None or (dd.part_record()["etag"], dd.part_record()["size"]) != (etag, size):
                    self.violation(f"upload {key} {uid[:12]} part {n}: listed {(etag, size)}, no such data dir")
                    continue
                need(dd.data_id, f"upload {key} part {n}")
        for dd in dirs.values():
            if dd.data_id not in referenced and dd.in_segments:
                # Entries of a PUT cut short before its commit: dead space that no
                # record names, never visible (docs/format.md, "Segment files").
                self.stats["unreferenced_segment_objects"] += 1
            elif dd.data_id not in referenced:
                rec = dd.records[0]
                self.violation(f"data dir {dd.data_id} on drives {sorted(dd.drives)} is not the data of "
                               f"anything listed: {json.dumps(rec)[:300]}")

    # driver ----------------------------------------------------------------------------------
    def run(self, kills, deadline=None):
        self.setup()
        try:
            while self.kills < kills:
                if deadline is not None and time.time() > deadline:
                    break
                self.round()
                self.start()
                self.verify()
                if self.log and (self.kills % 10 == 0 or self.violations):
                    self.log(f"kill {self.kills}: {self.stats['acked_ops']} acked ops, "
                             f"{len(self.violations)} violations, {len(self.unexpected)} unexpected errors")
                if self.violations:
                    break
            if self.rados_config is not None and not self.violations:
                self.verify_swept()
        finally:
            for g in self.gateways:
                g.stop()
        return self


def run(workdir, kills=10, **kw):
    """Runs the harness; returns it (see .kills, .violations, .unexpected, .stats, .seed)."""
    deadline = kw.pop("deadline", None)
    return Harness(workdir, **kw).run(kills, deadline)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=200)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--keys", type=int, default=5, help="keys per worker and bucket")
    ap.add_argument("--max-interval", type=float, default=3.0, help="longest run between kills, seconds")
    ap.add_argument("--startup-kills", type=float, default=0.2,
                    help="chance of also killing silt during the restart that follows a kill")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--inline-threshold", type=int, default=0,
                    help="silt's --inline-threshold: small objects go to segment files")
    ap.add_argument("--workdir", help="default: a new temporary directory (removed on success)")
    ap.add_argument("--ceph-conf", help="RADOS mode: two gateways on this cluster (e.g. one of "
                    "scripts/ceph-cluster.sh), in a namespace of their own")
    args = ap.parse_args()
    tmp = None
    if args.workdir:
        workdir = pathlib.Path(args.workdir)
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="silt-crash-")
        workdir = pathlib.Path(tmp.name)
    start = time.time()
    rados = {"ceph_conf": args.ceph_conf, "namespace": "crash-" + os.urandom(6).hex()} if args.ceph_conf else None
    h = run(workdir, args.kills, workers=args.workers, keys_per_worker=args.keys, seed=args.seed,
            max_interval=args.max_interval, startup_kill_chance=args.startup_kills,
            inline_threshold=args.inline_threshold, rados=rados)
    elapsed = time.time() - start
    ok = not h.violations and not h.unexpected and h.kills == args.kills
    print(json.dumps({"ok": ok, "kills": h.kills, "seed": h.seed, "seconds": round(elapsed),
                      **h.stats, "violations": len(h.violations), "unexpected_errors": len(h.unexpected),
                      "operations": h.by_op}))
    for v in h.violations + h.unexpected:
        print(v)
    if ok and tmp:
        tmp.cleanup()
    elif tmp:
        print(f"data kept in {workdir} (silt.log, data/)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
