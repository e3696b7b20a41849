"""`silt admin rados init` (issue 17 item 1, docs/cluster.md) on the shared throwaway Ceph cluster:
it creates the EC profiles (plugin=isa, k+m from the config's pools), the replicated index pool and
the EC data pools, tags them with application silt; a second run changes nothing and exits 0; a pool
or profile that exists differently is an error (exit 1) and the cluster is left as it was; a silt
gateway then serves from the pools it made.

Each test names its pools and profiles uniquely and deletes them afterwards (the test cluster sets
`mon allow pool delete`), so the shared cluster keeps only its own pools."""
import json
import os
import subprocess
import time

import pytest

from ceph_cluster import ceph_cluster  # noqa: F401
from silt_server import SiltServer, bucket_name, silt_binary


class Mon:
    """Mon commands through Debian's python3-rados (the test runs under /usr/bin/python3)."""

    def __init__(self, conf):
        import rados
        self.cluster = rados.Rados(conffile=str(conf))
        self.cluster.connect(timeout=30)

    def __call__(self, prefix, check=True, **args):
        ret, out, err = self.cluster.mon_command(json.dumps(dict(prefix=prefix, format="json", **args)), b"")
        if check:
            assert ret == 0, f"{prefix} {args}: {ret} {err}"
        return json.loads(out) if out else None

    def pools(self):
        return {p["pool_name"]: p for p in self("osd dump")["pools"]}

    def profiles(self):
        return set(self("osd erasure-code-profile ls"))

    def close(self):
        self.cluster.shutdown()


@pytest.fixture
def mon(ceph_cluster):  # noqa: F811
    m = Mon(ceph_cluster.conf)
    yield m
    m.close()


@pytest.fixture
def names(mon):
    """Unique pool and profile names for one test; whatever of them exists afterwards is removed."""
    uid = os.urandom(4).hex()
    n = {"meta": f"silt.it{uid}.meta", "data": f"silt.it{uid}.d", "cold": f"silt.it{uid}.c",
         "profile": f"silt-it{uid}-2-1", "other": f"silt-it{uid}-other"}
    yield n
    pools = mon.pools()
    for key in ("meta", "data", "cold"):
        if n[key] in pools:
            mon("osd pool delete", pool=n[key], pool2=n[key], yes_i_really_really_mean_it=True)
    for key in ("profile", "other"):
        if n[key] in mon.profiles():
            mon("osd erasure-code-profile rm", name=n[key])


def config(path, ceph_conf, names, **overrides):
    pools = overrides.pop("pools", [
        {"name": "standard", "rados_pool": names["data"], "k": 2, "m": 1, "ec_profile": names["profile"]},
        {"name": "cold", "rados_pool": names["cold"], "k": 2, "m": 1, "ec_profile": names["profile"],
         "zstd_level": 0},
    ])
    rados = {"ceph_conf": str(ceph_conf), "index_pool": names["meta"], "failure_domain": "osd", "pg_num": 8,
             "namespace": "init-" + os.urandom(4).hex()}
    rados.update(overrides)
    path.write_text(json.dumps({"backend": "rados", "rados": rados, "pools": pools,
                                "storage_classes": {"STANDARD": "standard", "STANDARD_IA": "cold"}}))
    return path


def init(cfg, *extra):
    t0 = time.monotonic()
    r = subprocess.run([str(silt_binary()), "admin", "rados", "init", "--config", str(cfg), *extra],
                       capture_output=True, text=True, timeout=120)
    r.seconds = time.monotonic() - t0
    return r


def test_init_creates_profiles_and_pools_then_changes_nothing(ceph_cluster, mon, names, tmp_path):  # noqa: F811
    cfg = config(tmp_path / "silt.json", ceph_cluster.conf, names)
    first = init(cfg)
    assert first.returncode == 0, first.stdout + first.stderr
    out = first.stdout
    assert f"profile {names['profile']} (plugin=isa k=2 m=1 crush-failure-domain=osd technique=reed_sol_van): " \
           "created" in out, out
    assert f"pool {names['meta']} (replicated, index): created, application silt" in out, out
    assert f"pool {names['data']} (EC {names['profile']}): created, application silt" in out, out
    assert f"pool {names['cold']} (EC {names['profile']}): created, application silt" in out, out
    assert "4 created or changed" in out, out

    profile = mon("osd erasure-code-profile get", name=names["profile"])
    assert (profile["plugin"], profile["k"], profile["m"], profile["crush-failure-domain"]) == ("isa", "2", "1", "osd")
    pools = mon.pools()
    assert pools[names["meta"]]["type"] == 1  # replicated: the index needs omap
    for key in ("data", "cold"):
        assert pools[names[key]]["type"] == 3, pools[names[key]]  # erasure
        assert pools[names[key]]["erasure_code_profile"] == names["profile"]
    for key in ("meta", "data", "cold"):
        assert pools[names[key]]["pg_num"] == 8
        assert "silt" in pools[names[key]]["application_metadata"]

    second = init(cfg)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "created" not in second.stdout and "enabled" not in second.stdout, second.stdout
    assert "no change" in second.stdout, second.stdout
    assert mon.pools()[names["data"]]["pool"] == pools[names["data"]]["pool"]
    print(f"\nsilt admin rados init: first run {first.seconds:.2f} s, second run {second.seconds:.2f} s")

    # A gateway serves from what init made: data in the new EC pool, the index in the new one.
    server = SiltServer(tmp_path / "gw")
    server.args = ("--backend", "rados", "--config", str(cfg))
    try:
        server.start(timeout=60)
        s3 = server.boto3()
        bucket = bucket_name("init")
        s3.create_bucket(Bucket=bucket)
        body = os.urandom(100_000)
        s3.put_object(Bucket=bucket, Key="k", Body=body)
        assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == body
    finally:
        server.stop()
    import rados
    with mon.cluster.open_ioctx(names["data"]) as io:
        io.set_namespace(rados.LIBRADOS_ALL_NSPACES)
        assert sum(1 for _ in io.list_objects()) >= 1  # the 100 kB went to the new data pool


def test_init_creates_only_what_is_missing(ceph_cluster, mon, names, tmp_path):  # noqa: F811
    mon("osd pool create", pool=names["meta"], pg_num=8, pgp_num=8, pool_type="replicated")
    r = init(config(tmp_path / "silt.json", ceph_cluster.conf, names))
    assert r.returncode == 0, r.stdout + r.stderr
    # The existing index pool is kept; it only gains the application tag it lacked.
    assert f"pool {names['meta']} (replicated, index): exists, application silt enabled" in r.stdout, r.stdout
    assert f"pool {names['data']} (EC {names['profile']}): created" in r.stdout, r.stdout
    assert "silt" in mon.pools()[names["meta"]]["application_metadata"]


def test_init_refuses_a_pool_with_another_profile(ceph_cluster, mon, names, tmp_path):  # noqa: F811
    mon("osd erasure-code-profile set", name=names["other"],
        profile=["plugin=isa", "k=2", "m=1", "crush-failure-domain=osd"])
    mon("osd pool create", pool=names["data"], pg_num=8, pgp_num=8, pool_type="erasure",
        erasure_code_profile=names["other"])
    before = mon.pools()
    r = init(config(tmp_path / "silt.json", ceph_cluster.conf, names))
    assert r.returncode == 1, r.stdout + r.stderr
    assert (f"pool {names['data']} exists EC profile {names['other']}, the config wants it "
            f"EC profile {names['profile']}") in r.stderr, r.stderr
    # Checked before anything was made: no profile, no index pool, no other data pool.
    assert names["profile"] not in mon.profiles()
    assert set(mon.pools()) == set(before)


def test_init_refuses_a_replicated_pool_named_as_data(ceph_cluster, mon, names, tmp_path):  # noqa: F811
    mon("osd pool create", pool=names["cold"], pg_num=8, pgp_num=8, pool_type="replicated")
    r = init(config(tmp_path / "silt.json", ceph_cluster.conf, names))
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"pool {names['cold']} exists replicated, the config wants it EC profile {names['profile']}" in r.stderr
    assert names["meta"] not in mon.pools()


def test_init_refuses_a_profile_with_another_spec(ceph_cluster, mon, names, tmp_path):  # noqa: F811
    mon("osd erasure-code-profile set", name=names["profile"],
        profile=["plugin=isa", "k=2", "m=1", "crush-failure-domain=osd"])
    # The same profile name with failure domain host: silt never rewrites a profile.
    r = init(config(tmp_path / "silt.json", ceph_cluster.conf, names, failure_domain="host"))
    assert r.returncode == 1, r.stdout + r.stderr
    assert (f"EC profile {names['profile']} exists with crush-failure-domain=osd, the config wants "
            "plugin=isa k=2 m=1 crush-failure-domain=host") in r.stderr, r.stderr
    assert mon("osd erasure-code-profile get", name=names["profile"])["crush-failure-domain"] == "osd"
    assert not {names["meta"], names["data"], names["cold"]} & set(mon.pools())


def test_init_refuses_configs_it_cannot_serve(ceph_cluster, mon, names, tmp_path):  # noqa: F811
    no_km = config(tmp_path / "a.json", ceph_cluster.conf, names,
                   pools=[{"name": "standard", "rados_pool": names["data"]}])
    r = init(no_km)
    assert r.returncode == 1 and "needs \"k\" and \"m\"" in r.stderr, r.stderr
    data_is_index = config(tmp_path / "b.json", ceph_cluster.conf, names,
                           pools=[{"name": "standard", "rados_pool": names["meta"], "k": 2, "m": 1}])
    r = init(data_is_index)
    assert r.returncode == 1 and "is the index pool, which must be replicated" in r.stderr, r.stderr
    erasure = tmp_path / "c.json"
    erasure.write_text(json.dumps({"index": "idx", "pools": [{"name": "p", "drives": ["d1"]}],
                                   "storage_classes": {"STANDARD": "p"}}))
    r = init(erasure)
    assert r.returncode == 2 and "needs \"backend\": \"rados\"" in r.stderr, r.stderr
    assert not {names["meta"], names["data"], names["cold"]} & set(mon.pools())
