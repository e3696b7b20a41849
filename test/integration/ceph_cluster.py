"""A throwaway Ceph cluster (scripts/ceph-cluster.sh: one mon, three OSDs on 127.0.0.1) for the
tests that need RADOS, and the `ceph_cluster` fixture that shares one cluster per pytest run.

A test module uses it by importing the fixture:

    from ceph_cluster import ceph_cluster  # noqa: F401  (pytest finds the fixture by this name)

    def test_x(ceph_cluster):
        subprocess.run([..., "--ceph-conf", str(ceph_cluster.conf)])

The cluster starts when the first test asks for it (never in a run that does not) and is stopped
by PID when the session ends, whether tests passed or not; an atexit hook backs that up. Several
modules may import the fixture: they all get the same cluster. Tests that need it are skipped only
when the Ceph packages are missing (scripts/install-deps.sh --test installs them, so CI runs them).
The pools are those of scripts/ceph_cluster_admin.py (silt.meta replicated, silt.std and silt.cold
EC 2+1 ISA-L); tests share them, so each test names its objects uniquely.
"""
import atexit
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "ceph-cluster.sh"
# What scripts/ceph-cluster.sh runs: the daemons, the mon-side tools, and Debian's python3 with
# the rados binding.
CEPH_BINARIES = ("ceph-mon", "ceph-osd", "monmaptool", "ceph-authtool")
START_TIMEOUT = 180  # seconds; a start takes 7-15 s on a busy 2-core box
STOP_TIMEOUT = 60


def missing_packages(mgr=False):
    """The reason the cluster cannot run here, or None when every Ceph piece is installed
    (with MGR, ceph-mgr too)."""
    missing = [b for b in CEPH_BINARIES + (("ceph-mgr",) if mgr else ()) if shutil.which(b) is None]
    if subprocess.run(["/usr/bin/python3", "-c", "import rados"], capture_output=True).returncode:
        missing.append("python3-rados")
    if missing:
        return (f"Ceph packages not installed (missing {', '.join(missing)}): "
                "run scripts/install-deps.sh --test")
    return None


def listening_ports(lo, hi):
    """TCP ports in [lo, hi) with a socket in LISTEN state on this host (IPv4 and IPv6)."""
    return set(listeners(lo, hi))


def listeners(lo, hi):
    """{port: PIDs holding a LISTEN socket on it} for TCP ports in [lo, hi); a PID set is
    empty when the owner cannot be read (another user's process)."""
    inodes = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = pathlib.Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            port = int(fields[1].rsplit(":", 1)[1], 16)
            if fields[3] == "0A" and lo <= port < hi:
                inodes[fields[9]] = port
    owners = {port: set() for port in inodes.values()}
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    owners[inodes[target[8:-1]]].add(int(entry.name))
        except OSError:
            continue
    return owners


def pid_running(pid):
    """True while PID exists and is not a zombie."""
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def processes_using(path):
    """PIDs whose command line mentions PATH (the cluster's daemons all carry -c DIR/ceph.conf)."""
    found = []
    needle = str(path).encode()
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "cmdline").read_bytes() and pid_running(int(entry.name)):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


class NamespaceIO:
    """A python3-rados connection (Debian's, under /usr/bin/python3) with an ioctx per pool,
    each in one gateway's namespace: how a RADOS test looks at what silt stored."""

    def __init__(self, conf, namespace, pools=("silt.meta", "silt.std")):
        import rados
        self.cluster = rados.Rados(conffile=str(conf))
        self.cluster.connect(timeout=30)
        self.io = {}
        for pool in pools:
            self.io[pool] = self.cluster.open_ioctx(pool)
            self.io[pool].set_namespace(namespace)

    def close(self):
        for io in self.io.values():
            io.close()
        self.cluster.shutdown()


class CephCluster:
    """One cluster in its own directory. start() and stop() run scripts/ceph-cluster.sh; stop()
    is idempotent. After start: conf (ceph.conf for clients), port_base/port_width (the TCP
    window the daemons listen in), daemons() ("name" -> pid as recorded by the script).
    mgr=True starts a ceph-mgr too (SILT_CEPH_MGR=1): pool statistics for `ceph df`."""

    def __init__(self, directory=None, mgr=False):
        self.mgr = mgr
        # /tmp and short: admin socket paths must fit in 108 bytes.
        self.dir = pathlib.Path(directory or tempfile.mkdtemp(prefix="silt-ceph-", dir="/tmp"))
        self.conf = self.dir / "ceph.conf"
        self.port_base = self.port_width = None
        self.start_seconds = self.stop_seconds = None
        self.start_output = self.stop_output = ""
        self.running = False

    def _run(self, command, timeout, env=None):
        return subprocess.run([str(SCRIPT), command, str(self.dir)], capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL,
                              env=dict(os.environ, **(env or {})))

    def start(self):
        """Starts and waits until ready (3 OSDs up, every pool writable). On failure stops what
        did start and raises RuntimeError with the script's output; the directory stays."""
        t0 = time.monotonic()
        try:
            r = self._run("start", START_TIMEOUT, {"SILT_CEPH_MGR": "1"} if self.mgr else None)
            ok, out = r.returncode == 0, r.stdout + r.stderr
        except subprocess.TimeoutExpired as e:
            ok, out = False, f"no ready cluster after {START_TIMEOUT} s\n{e.stdout or ''}{e.stderr or ''}"
        self.start_seconds = time.monotonic() - t0
        self.start_output = out
        if not ok:
            self.running = True  # so stop() ends whatever a killed script left
            try:
                self.stop(remove=False)
            except RuntimeError as e:
                out += f"\n{e}"
            raise RuntimeError(f"ceph-cluster.sh start {self.dir} failed:\n{out}")
        env = dict(line.split("=", 1) for line in (self.dir / "cluster.env").read_text().split())
        self.port_base = int(env["SILT_CEPH_PORT_BASE"])
        self.port_width = int(env["SILT_CEPH_PORT_WIDTH"])
        self.running = True

    def status(self):
        """`ceph-cluster.sh status DIR`: exit 0 only if every recorded daemon runs."""
        return self._run("status", 60)

    def script(self, command, *args, timeout=120):
        """`ceph-cluster.sh COMMAND DIR ARGS...` (kill-osd N, start-osd N, pgs, wait-clean) ->
        CompletedProcess; raises RuntimeError with its output unless it exits 0."""
        r = subprocess.run([str(SCRIPT), command, str(self.dir), *map(str, args)], capture_output=True,
                           text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise RuntimeError(f"ceph-cluster.sh {command} {self.dir} {args}: rc {r.returncode}\n"
                               f"{r.stdout}{r.stderr}")
        return r

    def mon_command(self, prefix, **args):
        """One mon command (as the `ceph` CLI sends it) through python3-rados -> its output
        (bytes); raises RuntimeError with the mon's message unless it succeeds."""
        import rados
        c = rados.Rados(conffile=str(self.conf))
        c.connect(timeout=30)
        try:
            ret, out, err = c.mon_command(json.dumps({"prefix": prefix, **args}), b"")
        finally:
            c.shutdown()
        if ret != 0:
            raise RuntimeError(f"mon command {prefix} {args}: {ret} {err}")
        return out

    def min_size(self, pool):
        return json.loads(self.mon_command("osd pool get", pool=pool, var="min_size", format="json"))["min_size"]

    def set_min_size(self, pool, n):
        self.mon_command("osd pool set", pool=pool, var="min_size", val=str(n))

    def daemons(self):
        path = self.dir / "daemons"
        if not path.exists():
            return {}
        # A restarted OSD is recorded again: its last PID is the one that runs.
        return {name: int(pid) for name, pid in (line.split() for line in path.read_text().splitlines())}

    def stop(self, remove=True, term_timeout=None):
        """Stops exactly the recorded daemons (TERM, then KILL after TERM_TIMEOUT s, the script's
        default when None). Raises RuntimeError if any is left; removes the directory (its
        sparse OSD files) when all are gone and REMOVE."""
        if not self.running:
            return
        t0 = time.monotonic()
        env = {"SILT_CEPH_STOP_TIMEOUT": str(term_timeout)} if term_timeout else None
        r = self._run("stop", STOP_TIMEOUT, env)
        self.stop_seconds = time.monotonic() - t0
        self.stop_output = r.stdout + r.stderr
        left = [pid for pid in self.daemons().values() if pid in processes_using(self.conf)]
        if r.returncode != 0 or left:
            raise RuntimeError(f"ceph-cluster.sh stop {self.dir}: rc {r.returncode}, "
                               f"still running {left}\n{self.stop_output}")
        self.running = False
        if remove:
            shutil.rmtree(self.dir, ignore_errors=True)


def started_cluster():
    """A new cluster, started: skips the calling test when the Ceph packages are missing, fails
    it with the script's output when the cluster does not start. An atexit hook stops it if the
    session dies before whoever holds it does (stop() is idempotent)."""
    reason = missing_packages()
    if reason:
        pytest.skip(reason)
    cluster = CephCluster()
    try:
        cluster.start()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    atexit.register(cluster.stop)
    return cluster


def own_cluster():
    """A module fixture's body for a cluster of the module's own (a module that kills daemons
    leaves the shared one alone): yields started_cluster() and stops it on teardown."""
    cluster = started_cluster()
    yield cluster
    cluster.stop()


_shared = None  # the one cluster of this pytest run


def _stop_shared():
    if _shared is not None:
        _shared.stop()


@pytest.fixture(scope="session")
def ceph_cluster():
    """The run's shared cluster, started on first use, stopped when the session ends."""
    global _shared
    if _shared is None:
        _shared = started_cluster()
    yield _shared
    _stop_shared()
