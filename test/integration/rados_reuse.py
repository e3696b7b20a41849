"""Running the real-client tests of the erasure-backed modules against a RADOS-backed silt
without copying them (issue 17 item 6): a RADOS module defines its own `silt` fixture (a
`silt server --backend rados` on the shared ceph_cluster fixture) and borrows the tests it
wants from the other modules with borrow(). Pytest resolves a borrowed test's fixtures (silt,
s3, bucket, ...) in the module that collects it, so the same test body talks to the RADOS
gateway there and to the erasure one in its home module.

Also: the gateway's `--backend rados --config` arguments in a namespace of their own, and
every byte that namespace holds in the cluster (object data, xattrs, omap keys and values),
for the checks that the cluster holds no plaintext of an encrypted object.
"""
import os
import types

import pytest

from test_rados_backend import rados_config

# The pools of test_rados_backend.rados_config: the index (omap) pool and the data pools.
INDEX_POOL = "silt.meta"
DATA_POOLS = ("silt.std", "silt.cold")


def borrow(namespace, module, *names, tag=None, params=None):
    """Puts copies of module's test functions NAMES into namespace (the borrowing module's
    globals()), each as test_TAG_<rest of its name> when TAG is given (two home modules with
    a test of one name); a name already taken there raises ValueError.

    A copy keeps its own marks (parametrize, ...) and gains the module-level pytestmark of
    its home module (e.g. a skip when node_modules is missing); its helpers are its home
    module's (same globals). The original is left untouched, so its home module runs it
    exactly as before. PARAMS ({argument: values}) keeps, of a parametrized argument's home
    values, only those in values (dropping what only costs time here, e.g. a pure-Python
    CRC32C over 10 MiB); keeping none raises. Fixtures a test needs besides the borrowing
    module's (a home module's own fixtures) are imported by name next to the borrow()."""
    home_marks = getattr(module, "pytestmark", [])
    if not isinstance(home_marks, list):
        home_marks = [home_marks]
    for name in names:
        f = getattr(module, name)
        as_name = f"test_{tag}_{name[len('test_'):]}" if tag else name
        if as_name in namespace:
            raise ValueError(f"borrow: {as_name} is already defined in the borrowing module")
        copy = types.FunctionType(f.__code__, f.__globals__, as_name, f.__defaults__, f.__closure__)
        copy.__dict__.update(f.__dict__)
        copy.__doc__ = f.__doc__
        copy.pytestmark = [_narrowed(m, params or {}) for m in getattr(f, "pytestmark", [])] + home_marks
        namespace[as_name] = copy


def _narrowed(mark, params):
    if mark.name != "parametrize" or mark.args[0] not in params:
        return mark
    values = [v for v in mark.args[1] if v in params[mark.args[0]]]
    if not values or isinstance(mark.kwargs.get("ids"), (list, tuple)):
        raise ValueError(f"borrow: cannot narrow {mark.args} {mark.kwargs} to {params[mark.args[0]]}")
    return pytest.mark.parametrize(mark.args[0], values, **mark.kwargs).mark


def rados_args(ceph_conf, workdir):
    """(arguments of `silt server` for a RADOS backend in a fresh namespace, that namespace).
    The config goes to WORKDIR/silt-rados.json (test_rados_backend.rados_config: 1 MiB
    stripes, STANDARD in silt.std, STANDARD_IA in the zstd class on silt.cold)."""
    namespace = "clients-" + os.urandom(8).hex()
    config = rados_config(workdir / "silt-rados.json", ceph_conf, namespace)
    return ("--backend", "rados", "--config", str(config)), namespace


def serve(server, timeout=60):
    """A module fixture's body: starts SERVER (a start that fails fails the test with silt's
    log), yields it, and on teardown asserts that SIGTERM ends it with exit code 0."""
    try:
        server.start(timeout=timeout)
    except RuntimeError as e:
        server.stop()
        pytest.fail(str(e), pytrace=False)
    yield server
    code = server.stop(timeout=10)
    assert code == 0, f"silt exit code after SIGTERM: {code}\n{server.log_tail()}"


def namespace_blobs(ceph_conf, namespace):
    """Every byte string silt keeps in NAMESPACE, as (where, bytes): each object's data and
    xattrs in the data pools and the index pool, and every omap key and value of the index
    pool (small objects are inlined there). Reads through python3-rados."""
    import rados
    cluster = rados.Rados(conffile=str(ceph_conf))
    cluster.connect(timeout=30)
    try:
        for pool in (INDEX_POOL, *DATA_POOLS):
            io = cluster.open_ioctx(pool)
            io.set_namespace(namespace)
            try:
                for obj in io.list_objects():
                    oid = obj.key
                    size, _ = io.stat(oid)
                    if size:
                        yield f"{pool}/{oid} data", io.read(oid, size)
                    for name, value in io.get_xattrs(oid):
                        yield f"{pool}/{oid} xattr {name}", value
                    if pool == INDEX_POOL:
                        yield from _omap(io, oid, f"{pool}/{oid}")
            finally:
                io.close()
    finally:
        cluster.shutdown()


def _omap(io, oid, where):
    import rados
    after = ""
    while True:
        with rados.ReadOpCtx() as op:
            it, _ = io.get_omap_vals(op, after, "", 1000)
            io.operate_read_op(op, oid)
            entries = list(it)
        for key, value in entries:
            yield f"{where} omap {key!r}", key.encode(errors="surrogateescape") + b"\0" + (value or b"")
        if len(entries) < 1000:
            return
        after = entries[-1][0]


def namespace_holds(ceph_conf, namespace, markers):
    """{marker: [where in NAMESPACE it occurs]} for each bytes of MARKERS, in one read of the
    namespace."""
    found = {m: [] for m in markers}
    for where, blob in namespace_blobs(ceph_conf, namespace):
        for m in markers:
            if m in blob:
                found[m].append(where)
    return found
