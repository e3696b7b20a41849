"""Prometheus metrics at /_silt/metrics (and MinIO's paths), the JSON-lines access
log and --log-level, on a real silt. The exposition is read with the Prometheus
project's own parser (prometheus_client), so a format slip fails here."""
import http.client
import json
import os
import socket
import subprocess
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from silt_server import SiltServer, bucket_name, silt_binary
from s3assert import wait_for

FAST = ("--drive-check-interval", "0.3", "--scrub-interval", "0", "--metrics-usage-ttl", "0")
TOKEN = "s3cr3t-metrics-token"


@pytest.fixture(scope="module")
def silt(tmp_path_factory):
    server = SiltServer(tmp_path_factory.mktemp("silt"))
    server.access_log = server.workdir / "logs" / "access.log"
    server.access_log.parent.mkdir()
    server.start(extra_args=(*FAST, "--access-log", str(server.access_log)))
    yield server
    assert server.stop() == 0, server.log_tail()


def get(server, path="/_silt/metrics", headers=None, method="GET"):
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        c.request(method, path, headers=headers or {})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode()
    finally:
        c.close()


class Scrape:
    """One parsed exposition: samples by name, looked up by label subsets."""

    def __init__(self, text):
        self.text = text
        self.families = {}
        self.samples = {}
        for fam in text_string_to_metric_families(text):
            self.families[fam.name] = fam
            for s in fam.samples:
                self.samples.setdefault(s.name, []).append(s)

    def find(self, name, **labels):
        return [s for s in self.samples.get(name, []) if all(s.labels.get(k) == v for k, v in labels.items())]

    def value(self, name, **labels):
        return sum(s.value for s in self.find(name, **labels))


def scrape(server, path="/_silt/metrics", headers=None):
    status, hdrs, text = get(server, path, headers)
    assert status == 200, text
    assert hdrs["Content-Type"].startswith("text/plain; version=0.0.4"), hdrs
    return Scrape(text)



def test_every_series_is_there_with_its_type(silt):
    m = scrape(silt)
    types = {name: fam.type for name, fam in m.families.items()}
    expected = {
        "silt_requests": "counter",  # the parser drops _total from a counter's family name
        "silt_request_duration_seconds": "histogram",
        "silt_received_bytes": "counter",
        "silt_sent_bytes": "counter",
        "silt_drive_state": "gauge",
        "silt_drive_free_bytes": "gauge",
        "silt_drive_total_bytes": "gauge",
        "silt_pool_drives": "gauge",
        "silt_heal_backlog_versions": "gauge",
        "silt_heal_pass_running": "gauge",
        "silt_lifecycle_pass_running": "gauge",
        "silt_storage_stored_bytes": "gauge",
        "silt_storage_logical_bytes": "gauge",
        "silt_storage_objects": "gauge",
        "silt_uptime_seconds": "gauge",
        "silt_build_info": "gauge",
    }
    for name, t in expected.items():
        assert types.get(name) == t, (name, types.get(name))
    # The readiness checks of the start were counted already.
    assert m.value("silt_requests_total", operation="Health", status="200") >= 1
    assert m.value("silt_uptime_seconds") > 0
    assert m.find("silt_build_info")[0].labels["version"]
    # Six drives, one state each; every configured class has a storage series.
    online = m.find("silt_drive_state", state="online")
    assert len(online) == 6 and all(s.value == 1 for s in online)
    assert {s.labels["storage_class"] for s in m.find("silt_storage_stored_bytes")} >= {"STANDARD", "STANDARD_IA"}


def test_request_counters_rise_by_exactly_the_requests_made(silt, s3):
    b = bucket_name("counters")
    s3.create_bucket(Bucket=b)
    before = scrape(silt)
    bodies = [os.urandom(n) for n in (1000, 20000, 300000)]
    for i, body in enumerate(bodies):
        s3.put_object(Bucket=b, Key=f"k{i}", Body=body)
    got = [s3.get_object(Bucket=b, Key=f"k{i}")["Body"].read() for i in (1, 2)]
    assert got == bodies[1:]
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=b, Key="missing")
    # A request is counted once its answer is written, which the client may read first: scrape
    # until the last request shows. Each scrape is counted (in the next one) as Metrics 200.
    scrapes = []

    def settled():
        scrapes.append(scrape(silt))
        return scrapes[-1].value("silt_requests_total", operation="GetObject", status="404") > before.value(
            "silt_requests_total", operation="GetObject", status="404")

    wait_for("the last request counted", settled)
    after = scrapes[-1]

    def delta(name, **labels):
        return after.value(name, **labels) - before.value(name, **labels)

    assert delta("silt_requests_total", operation="PutObject", status="200") == 3
    assert delta("silt_requests_total", operation="GetObject", status="200") == 2
    assert delta("silt_requests_total", operation="GetObject", status="404") == 1
    assert delta("silt_requests_total", operation="PutObject") == 3
    # The scrape before and every one since but the last, which may not be counted yet.
    assert len(scrapes) - 1 <= delta("silt_requests_total", operation="Metrics", status="200") <= len(scrapes)
    # The histograms count the same requests, in cumulative buckets ending at +Inf == _count.
    assert delta("silt_request_duration_seconds_count", operation="GetObject") == 3
    assert delta("silt_request_duration_seconds_count", operation="PutObject") == 3
    for op in ("GetObject", "PutObject"):
        buckets = sorted(((float(s.labels["le"]), s.value) for s in
                          after.find("silt_request_duration_seconds_bucket", operation=op)))
        counts = [v for _, v in buckets]
        assert counts == sorted(counts), (op, buckets)
        assert buckets[-1][0] == float("inf")
        assert buckets[-1][1] == after.value("silt_request_duration_seconds_count", operation=op)
        assert after.value("silt_request_duration_seconds_sum", operation=op) > 0
    assert delta("silt_received_bytes_total", operation="PutObject") >= sum(map(len, bodies))
    assert delta("silt_sent_bytes_total", operation="GetObject") >= len(bodies[1]) + len(bodies[2])
    assert delta("silt_sent_bytes_total", operation="PutObject") == 0  # no body in a PUT's answer


def test_a_request_that_cannot_be_parsed_is_counted_as_unrouted(silt):
    before = scrape(silt).value("silt_requests_total", operation="Unrouted", status="400")
    with socket.create_connection(("127.0.0.1", silt.port), timeout=10) as s:
        s.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 400")
    after = wait_for("the count", lambda: (lambda v: v if v == before + 1 else None)(
        scrape(silt).value("silt_requests_total", operation="Unrouted", status="400")))
    assert after == before + 1
    line = wait_for("the line", lambda: [x for x in access_lines(silt) if x["operation"] == "Unrouted"])[-1]
    assert (line["status"], line["error"], line["method"]) == (400, "InvalidRequest", "")


def count_of(server, operation, status):
    return scrape(server).value("silt_requests_total", operation=operation, status=status)


def counted(server, operation, status, before):
    """Waits for operation's count at status to reach before + 1 (a request is counted once
    its response is written, just after the client reads it)."""
    return wait_for(f"{operation} {status} counted", lambda: (lambda v: v if v == before + 1 else None)(
        count_of(server, operation, status)))


def test_console_requests_are_counted_as_console(silt):
    before = count_of(silt, "Console", "200")
    status, _, body = get(silt, "/_silt/console/")
    assert status == 200 and "<html" in body.lower()
    assert counted(silt, "Console", "200", before) == before + 1
    before = count_of(silt, "Console", "403")
    status, _, body = get(silt, "/_silt/console/api/status")  # no sign-in cookie
    assert status == 403 and "AccessDenied" in body
    assert counted(silt, "Console", "403", before) == before + 1
    line = wait_for("the line", lambda: [x for x in access_lines(silt)
                                         if x["operation"] == "Console" and x["status"] == 403])[-1]
    assert line["method"] == "GET"


def test_a_refused_header_is_counted_under_the_operation_it_addressed(silt, s3):
    b = bucket_name("refused")
    s3.create_bucket(Bucket=b)
    before = count_of(silt, "PutObject", "501")
    unrouted = count_of(silt, "Unrouted", "501")
    r = silt.request("PUT", b, "k", body=b"x", headers={"x-amz-server-side-encryption": "aws:kms"})
    assert (r.status, r.error_code()) == (501, "NotImplemented"), r
    assert counted(silt, "PutObject", "501", before) == before + 1
    assert count_of(silt, "Unrouted", "501") == unrouted
    line = wait_for("the line", lambda: [x for x in access_lines(silt)
                                         if x["operation"] == "PutObject" and x["status"] == 501])[-1]
    assert (line["error"], line["bucket"], line["key"]) == ("NotImplemented", b, "k")
    with pytest.raises(Exception):
        s3.head_object(Bucket=b, Key="k")  # nothing was written
    s3.put_object(Bucket=b, Key="k", Body=b"x")  # and silt keeps serving


def test_each_admin_api_call_has_its_own_label(silt):
    before = count_of(silt, "AdminUsage", "200")
    r = silt.admin("--json", "usage")
    assert r.returncode == 0, r.stderr
    assert counted(silt, "AdminUsage", "200", before) == before + 1
    before = count_of(silt, "Admin", "403")
    status, _, body = get(silt, "/_silt/admin/v1/nonesuch")  # unsigned: refused before the path is judged
    assert status == 403 and "<Code>AccessDenied</Code>" in body
    assert counted(silt, "Admin", "403", before) == before + 1


def test_stored_bytes_per_class_match_the_admin_usage(silt, s3):
    b = bucket_name("usage")
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="hot", Body=os.urandom(200000))
    s3.put_object(Bucket=b, Key="cold", Body=b"compressible " * 50000, StorageClass="STANDARD_IA")
    r = silt.admin("--json", "usage")
    assert r.returncode == 0, r.stderr
    usage = json.loads(r.stdout)
    m = scrape(silt)
    want = {}
    for bucket in usage["buckets"]:
        for c in bucket["classes"]:
            w = want.setdefault((c["storage_class"], c["pool"]), [0, 0, 0])
            w[0] += c["stored_bytes"]
            w[1] += c["logical_bytes"]
            w[2] += c["objects"]
    assert ("STANDARD_IA", "cold") in want and ("STANDARD", "standard") in want
    for (cls, pool), (stored, logical, objects) in want.items():
        assert m.value("silt_storage_stored_bytes", storage_class=cls, pool=pool) == stored
        assert m.value("silt_storage_logical_bytes", storage_class=cls, pool=pool) == logical
        assert m.value("silt_storage_objects", storage_class=cls, pool=pool) == objects
    assert m.value("silt_storage_stored_bytes") == usage["totals"]["stored_bytes"]


def test_drive_state_series_follow_a_drive_going_offline_and_back(silt):
    drive = silt.drives()[5]
    saved = drive.with_name(drive.name + ".saved")

    def state_of(m):
        [s] = [s for s in m.find("silt_drive_state", drive=str(drive)) if s.value == 1]
        return s.labels["state"]

    assert state_of(scrape(silt)) == "online"
    drive.rename(saved)
    drive.write_bytes(b"not a drive")  # unreadable: offline, not formatted again
    try:
        m = wait_for("the drive offline", lambda: (lambda m: m if state_of(m) == "offline" else None)(scrape(silt)))
        assert m.value("silt_pool_drives", pool="standard", state="offline") == 1
        assert m.value("silt_pool_drives", pool="standard", state="online") == 5
        assert m.find("silt_drive_state", drive=str(drive), state="online")[0].value == 0
    finally:
        drive.unlink()
        saved.rename(drive)
    wait_for("the drive online", lambda: state_of(scrape(silt)) == "online")
    assert scrape(silt).value("silt_pool_drives", pool="standard", state="online") == 6


def test_heal_progress_after_a_heal_pass(silt, s3):
    b = bucket_name("heal")
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="x", Body=os.urandom(100000))
    r = silt.admin("heal")
    assert r.returncode == 0, r.stderr
    m = wait_for("a finished heal pass", lambda: (lambda m: m if m.find(
        "silt_heal_pass_last_completed_timestamp_seconds", **{"pass": "heal"}) and m.value(
        "silt_heal_pass_running", **{"pass": "heal"}) == 0 else None)(scrape(silt)))
    done = m.value("silt_heal_pass_versions_scanned", **{"pass": "heal"})
    assert done >= 1 and done == m.value("silt_heal_pass_versions_total", **{"pass": "heal"})
    assert m.value("silt_heal_pass_bytes_scanned", **{"pass": "heal"}) >= 100000
    assert abs(m.value("silt_heal_pass_last_completed_timestamp_seconds", **{"pass": "heal"}) - time.time()) < 120


def test_lifecycle_progress_after_a_pass(silt, s3):
    b = bucket_name("lifecycle")
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="old/a", Body=b"a")
    s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [
        {"ID": "r", "Status": "Enabled", "Filter": {"Prefix": "nothing/"}, "Expiration": {"Days": 1}}]})
    r = silt.admin("lifecycle", "run")
    assert r.returncode == 0, r.stderr
    m = wait_for("a finished lifecycle pass", lambda: (lambda m: m if m.find(
        "silt_lifecycle_last_completed_timestamp_seconds") and m.value(
        "silt_lifecycle_pass_running") == 0 else None)(scrape(silt)))
    assert m.value("silt_lifecycle_pass_versions_scanned") >= 1
    assert m.value("silt_lifecycle_last_pass_expired") == 0


def test_minio_paths_serve_the_same_exposition(silt):
    ours = scrape(silt)
    for path in ("/minio/v2/metrics/cluster", "/minio/v2/metrics/node"):
        theirs = scrape(silt, path)
        assert set(theirs.families) == set(ours.families)
    status, hdrs, body = get(silt, "/_silt/metrics", method="HEAD")
    assert status == 200 and int(hdrs["Content-Length"]) > 1000 and body == ""
    status, _, body = get(silt, "/_silt/metrics", method="POST")
    assert status == 405 and "<Code>MethodNotAllowed</Code>" in body


def access_lines(server):
    # The log is written after each answer: a line still being written is not read yet.
    text = server.access_log.read_text()
    return [json.loads(line) for line in text[:text.rfind("\n") + 1].splitlines()]


def test_access_log_has_one_line_per_request_with_its_facts(silt, s3):
    mode = silt.access_log.stat().st_mode & 0o777
    assert mode & 0o037 == 0, oct(mode)  # not world-readable, not group-writable
    b = bucket_name("accesslog")
    s3.create_bucket(Bucket=b)
    put = s3.put_object(Bucket=b, Key="dir/a b.txt", Body=b"x" * 1234)
    got = s3.get_object(Bucket=b, Key="dir/a b.txt")
    assert got["Body"].read() == b"x" * 1234
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=b, Key="nope")
    ids = [put["ResponseMetadata"]["RequestId"], got["ResponseMetadata"]["RequestId"]]
    anonymous = get(silt, f"/{b}/dir/a%20b.txt")
    assert anonymous[0] == 403

    # The anonymous GET answered last; its line is written after its answer.
    wait_for("the anonymous line", lambda: [x for x in access_lines(silt) if x["user"] == "" and x["bucket"] == b])
    by_id = wait_for("the lines", lambda: (lambda d: d if all(i in d for i in ids) else None)(
        {line["request_id"]: line for line in access_lines(silt)}))
    p, g = by_id[ids[0]], by_id[ids[1]]
    assert (p["operation"], p["user"], p["bucket"], p["key"], p["status"]) == (
        "PutObject", silt.access_key, b, "dir/a b.txt", 200)
    assert p["bytes_in"] >= 1234 and p["bytes_out"] == 0 and p["error"] == ""
    assert (g["operation"], g["status"], g["bytes_out"], g["bytes_in"]) == ("GetObject", 200, 1234, 0)
    assert g["user_agent"].startswith("Boto3/") and g["remote"].startswith("127.0.0.1:")
    assert g["duration_ms"] >= 0 and g["time"].endswith("Z") and len(g["time"]) == 24
    lines = access_lines(silt)
    [missing] = [x for x in lines if x.get("key") == "nope"]
    assert (missing["operation"], missing["status"], missing["error"]) == ("GetObject", 404, "NoSuchKey")
    [anon] = [x for x in lines if x["user"] == "" and x["bucket"] == b]
    assert (anon["operation"], anon["status"], anon["error"]) == ("GetObject", 403, "AccessDenied")

    # One line for every request the metrics counted (plus the scrape itself, logged after it answered).
    total = scrape(silt).value("silt_requests_total")
    wait_for("every line written", lambda: len(access_lines(silt)) == total + 1)
    assert len({x["request_id"] for x in access_lines(silt)}) == total + 1


def test_debug_lines_are_hidden_at_info(silt):
    # The default level (info) shows the startup lines with a UTC timestamp but no per-request lines.
    log = silt.log_text()
    assert "Z [info] pool standard" in log
    assert "[debug]" not in log


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    """A silt with a metrics token from the environment, at --log-level warn, on the development pair,
    reusing the usage walk for 3 s."""
    server = SiltServer(tmp_path_factory.mktemp("guarded"), env_credentials=False)
    os.environ["SILT_METRICS_TOKEN"] = TOKEN
    try:
        server.start(extra_args=("--log-level", "warn", "--metrics-usage-ttl", "3"))
    finally:
        del os.environ["SILT_METRICS_TOKEN"]
    yield server
    assert server.stop() == 0, server.log_tail()


def test_a_token_guards_the_metrics(guarded):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN},
                    {"Authorization": "Bearer " + TOKEN + "x"}):
        for path in ("/_silt/metrics", "/minio/v2/metrics/cluster"):
            status, _, body = get(guarded, path, headers)
            assert status == 403, (headers, status)
            assert "<Code>AccessDenied</Code>" in body
    # A request is counted once its answer is written, which the client may read first.
    auth = {"Authorization": "Bearer " + TOKEN}
    wait_for("the eight refusals counted", lambda: scrape(guarded, headers=auth).value(
        "silt_requests_total", operation="Metrics", status="403") == 8)
    scrape(guarded, "/minio/v2/metrics/cluster", headers={"Authorization": "bearer " + TOKEN})
    # S3 is not affected.
    s3 = guarded.boto3()
    s3.create_bucket(Bucket="guarded")
    assert [x["Name"] for x in s3.list_buckets()["Buckets"]] == ["guarded"]


def test_the_token_is_checked_before_the_method(guarded):
    # Without the token nothing about the endpoint is answered, not even which methods it takes.
    status, _, body = get(guarded, "/_silt/metrics", method="POST")
    assert status == 403 and "<Code>AccessDenied</Code>" in body
    status, _, body = get(guarded, "/_silt/metrics", {"Authorization": "Bearer " + TOKEN}, method="POST")
    assert status == 405 and "<Code>MethodNotAllowed</Code>" in body
    assert scrape(guarded, headers={"Authorization": "Bearer " + TOKEN}).value("silt_uptime_seconds") > 0


def test_the_usage_figures_are_cached_between_scrapes(guarded):
    # Within --metrics-usage-ttl a scrape reuses the last walk; after it, a scrape answers with
    # the old figures at once while a new walk runs, and a later scrape has the new ones.
    h = {"Authorization": "Bearer " + TOKEN}
    old = scrape(guarded, headers=h).value("silt_storage_measured_timestamp_seconds")
    time.sleep(3.2)  # then a walk starts, and the cached figures are fresh for 3 s
    first = wait_for("a new walk", lambda: (lambda t: t if t != old else None)(
        scrape(guarded, headers=h).value("silt_storage_measured_timestamp_seconds")))
    guarded.boto3().put_object(Bucket="guarded", Key="k", Body=b"data")
    second = scrape(guarded, headers=h)
    assert second.value("silt_storage_measured_timestamp_seconds") == first
    assert second.value("silt_storage_objects") == 0
    time.sleep(3.2)
    stale = scrape(guarded, headers=h)
    assert stale.value("silt_storage_measured_timestamp_seconds") == first
    fresh = wait_for("the new walk", lambda: (lambda m: m if m.value("silt_storage_objects") == 1 else None)(
        scrape(guarded, headers=h)), timeout=10)
    assert fresh.value("silt_storage_measured_timestamp_seconds") > first


def test_log_level_warn_hides_info_lines(guarded):
    log = guarded.log_text()
    assert "[warning] SILT_ROOT_USER/SILT_ROOT_PASSWORD not set" in log
    assert "[info]" not in log
    assert f"listening on {guarded.endpoint}" in log  # the contract line is not a log line


def test_an_unknown_log_level_is_refused(tmp_path):
    r = subprocess.run([str(silt_binary()), "server", "--data", str(tmp_path), "--log-level", "verbose"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "log-level" in r.stderr, r
    env = dict(os.environ, SILT_LOG_LEVEL="loud")
    r = subprocess.run([str(silt_binary()), "server", "--data", str(tmp_path)],
                       capture_output=True, text=True, timeout=30, env=env)
    assert r.returncode != 0 and "log-level" in r.stderr, r
