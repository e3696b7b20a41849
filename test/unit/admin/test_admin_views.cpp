// What `silt admin` prints for the admin API's answers, from the examples in docs/admin-api.md.
#include <catch2/catch.hpp>

#include "cmd/admin_views.h"

using namespace silt::admin;

namespace {

const Json kUsage = Json::parse(R"({
  "pools": [
    {"name": "hot", "k": 4, "m": 2, "block_size": 1048576, "compression": "none", "price_per_tb_month": 20.0, "drives": 6},
    {"name": "cold", "k": 10, "m": 4, "block_size": 4194304, "compression": "zstd-3", "price_per_tb_month": 4.5, "drives": 14}
  ],
  "buckets": [
    {"bucket": "logs", "classes": [
      {"storage_class": "STANDARD", "pool": "hot", "objects": 1200, "logical_bytes": 1073741824, "stored_bytes": 1610612736, "monthly_cost": 0.0322},
      {"storage_class": "STANDARD_IA", "pool": "cold", "objects": 34, "logical_bytes": 2048, "stored_bytes": 1024, "monthly_cost": 0.0}
    ]},
    {"bucket": "empty", "classes": []}
  ],
  "totals": {"objects": 1234, "logical_bytes": 1073743872, "stored_bytes": 1610613760, "monthly_cost": 0.0322}
})");

}  // namespace

TEST_CASE("json_* read missing, null and mistyped fields as zero") {
  Json j = Json::parse(R"({"a": 5, "b": null, "c": "x", "d": -3, "e": 2.6, "f": 1.5})");
  CHECK(json_u64(j, "a") == 5);
  CHECK(json_u64(j, "b") == 0);
  CHECK(json_u64(j, "c") == 0);
  CHECK(json_u64(j, "d") == 0);
  CHECK(json_u64(j, "e") == 3);
  CHECK(json_u64(j, "missing") == 0);
  CHECK(json_double(j, "f") == 1.5);
  CHECK(json_double(j, "c") == 0.0);
  CHECK(json_string(j, "c") == "x");
  CHECK(json_string(j, "a") == "");
  CHECK(json_u64(Json(nullptr), "a") == 0);
}

TEST_CASE("render_usage: pools, one row per bucket and class, totals") {
  CHECK(render_usage(kUsage) ==
        "POOL  ERASURE     BLOCK  COMPRESSION  DRIVES  PRICE/TB-MONTH\n"
        "hot       4+2  1.00 MiB  none              6          $20.00\n"
        "cold     10+4  4.00 MiB  zstd-3           14           $4.50\n"
        "\n"
        "BUCKET  CLASS        POOL  OBJECTS   LOGICAL    STORED  OVERHEAD  COST/MONTH\n"
        "logs    STANDARD     hot     1,200  1.00 GiB  1.50 GiB     1.50x     $0.0322\n"
        "logs    STANDARD_IA  cold       34  2.00 KiB  1.00 KiB     0.50x          $0\n"
        "empty   -            -           0       0 B       0 B        --          $0\n"
        "------  -----------  ----  -------  --------  --------  --------  ----------\n"
        "TOTAL                        1,234  1.00 GiB  1.50 GiB     1.50x     $0.0322\n");
}

TEST_CASE("render_usage sums the rows when the server sends no totals, and says when there is nothing") {
  Json j = kUsage;
  j.erase("totals");
  j.erase("pools");
  std::string out = render_usage(j);
  CHECK(out.find("TOTAL                        1,234  1.00 GiB  1.50 GiB     1.50x     $0.0322\n") !=
        std::string::npos);
  CHECK(out.rfind("BUCKET", 0) == 0);
  CHECK(render_usage(Json::parse(R"({"pools": [], "buckets": []})")) == "no buckets\n");
}

TEST_CASE("render_lifecycle_status: the running pass, the last one, and per-rule counts") {
  Json status = Json::parse(R"({
    "running": true,
    "current": {"id": 8, "started_ms": 1795321815000, "finished_ms": null, "objects_scanned": 120,
                "objects_total": 480, "expired": 0, "transitioned": 40, "bytes_transitioned": 41943040,
                "aborted_uploads": 0, "errors": 0, "last_error": ""},
    "last": {"id": 7, "started_ms": 1795321800000, "finished_ms": 1795321804250, "objects_scanned": 500,
             "objects_total": 500, "expired": 2, "transitioned": 3, "bytes_transitioned": 999,
             "aborted_uploads": 1, "errors": 1, "last_error": "drive-3: EIO"},
    "buckets": [
      {"bucket": "logs", "cursor": "2024/05/01/x.json", "rules": [
        {"id": "to-ia", "status": "Enabled", "expired": 0, "transitioned": 3, "bytes_transitioned": 999},
        {"id": "old", "status": "Disabled", "expired": 2, "transitioned": 0, "bytes_transitioned": 0}]},
      {"bucket": "raw", "cursor": "", "rules": []}
    ]})");
  CHECK(render_lifecycle_status(status) ==
        "running: pass 8 since 2026-11-22 04:30:15 UTC\n"
        "  [======>                 ]  25%  120/480 scanned  40 moved (40.0 MiB)  ETA --\n"
        "\n"
        "last lifecycle pass 7 finished in 4.2s (2026-11-22 04:30:04 UTC)\n"
        "  objects scanned       500\n"
        "  expired                 2\n"
        "  transitioned            3\n"
        "  bytes transitioned  999 B\n"
        "  aborted uploads         1\n"
        "  errors                  1\n"
        "  last error: drive-3: EIO\n"
        "\n"
        "BUCKET  RULE   STATUS    EXPIRED  TRANSITIONED  BYTES MOVED  CURSOR\n"
        "logs    to-ia  Enabled         0             3        999 B  2024/05/01/x.json\n"
        "logs    old    Disabled        2             0          0 B  2024/05/01/x.json\n"
        "raw     -      -                                             (start)\n");
}

TEST_CASE("render_lifecycle_status: the gateway holding each bucket's lease") {
  Json status = Json::parse(R"({
    "running": false, "current": null, "last": null,
    "buckets": [
      {"bucket": "logs", "holder": "gw-b:9000", "lease_expires_ms": 1795321905000, "cursor": "k/0042",
       "scanned": 1234, "pass_started_ms": 1795321800000, "rules": [
        {"id": "to-ia", "status": "Enabled", "expired": 0, "transitioned": 0, "bytes_transitioned": 0}]},
      {"bucket": "raw", "holder": null, "lease_expires_ms": null, "cursor": "", "scanned": 0, "rules": []}
    ]})");
  CHECK(render_lifecycle_status(status) ==
        "idle\n\nno pass has finished yet\n\n"
        "BUCKET  RULE   STATUS   EXPIRED  TRANSITIONED  BYTES MOVED  CURSOR\n"
        "logs    to-ia  Enabled        0             0          0 B  k/0042\n"
        "raw     -      -                                            (start)\n"
        "\n"
        "BUCKET  HOLDER     LEASE EXPIRES            PASS SCANNED\n"
        "logs    gw-b:9000  2026-11-22 04:31:45 UTC         1,234\n");
}

TEST_CASE("render_lifecycle_status when idle and nothing ever ran") {
  CHECK(render_lifecycle_status(Json::parse(R"({"running": false, "current": null, "last": null, "buckets": []})")) ==
        "idle\n\nno pass has finished yet\n\nno bucket has a lifecycle configuration\n");
}

TEST_CASE("render_simulation: horizons with the cost change, then per class") {
  Json sim = Json::parse(R"({
    "bucket": "logs",
    "now": {"classes": [{"storage_class": "STANDARD", "pool": "hot", "objects": 10, "logical_bytes": 1000,
                         "stored_bytes": 1500, "monthly_cost": 0.04}],
            "stored_bytes": 1500, "monthly_cost": 0.04},
    "horizons": [
      {"days": 30, "expired_objects": 0, "expired_bytes": 0, "transitioned_objects": 8, "transitioned_bytes": 800,
       "classes": [{"storage_class": "STANDARD", "pool": "hot", "objects": 2, "logical_bytes": 200, "stored_bytes": 300, "monthly_cost": 0.008},
                   {"storage_class": "STANDARD_IA", "pool": "cold", "objects": 8, "logical_bytes": 800, "stored_bytes": 400, "monthly_cost": 0.002}],
       "stored_bytes": 700, "monthly_cost": 0.01},
      {"days": 365, "expired_objects": 10, "expired_bytes": 1000, "transitioned_objects": 8, "transitioned_bytes": 800,
       "classes": [], "stored_bytes": 0, "monthly_cost": 0.0}
    ]})");
  CHECK(render_simulation(sim) ==
        "bucket logs: what its lifecycle rules would do\n"
        "\n"
        "HORIZON       EXPIRED  TRANSITIONED    STORED  COST/MONTH   CHANGE\n"
        "now                                  1.46 KiB     $0.0400\n"
        "30 days       0 (0 B)     8 (800 B)     700 B     $0.0100   -75.0%\n"
        "365 days  10 (1000 B)     8 (800 B)       0 B          $0  -100.0%\n"
        "\n"
        "HORIZON  CLASS        POOL  OBJECTS  LOGICAL    STORED  OVERHEAD  COST/MONTH\n"
        "now      STANDARD     hot        10   1000 B  1.46 KiB     1.50x     $0.0400\n"
        "30 days  STANDARD     hot         2    200 B     300 B     1.50x     $0.0080\n"
        "30 days  STANDARD_IA  cold        8    800 B     400 B     0.50x     $0.0020\n");
}

TEST_CASE("render_pass_summary of a finished pass") {
  Json pass = Json::parse(R"({"id": 3, "started_ms": 1795321800000, "finished_ms": 1795321990000,
    "objects_scanned": 123456, "objects_total": 0, "expired": 0, "transitioned": 100000,
    "bytes_transitioned": 1099511627776, "aborted_uploads": 0, "errors": 0, "last_error": ""})");
  CHECK(render_pass_summary(pass) ==
        "lifecycle pass 3 finished in 3m10s (2026-11-22 04:33:10 UTC)\n"
        "  objects scanned      123,456\n"
        "  expired                    0\n"
        "  transitioned         100,000\n"
        "  bytes transitioned  1.00 TiB\n"
        "  aborted uploads            0\n"
        "  errors                     0\n");
}

TEST_CASE("find_pass: over once `last` reaches the id or a later pass runs") {
  auto status = [](const char* text) { return Json::parse(text); };
  PassState s = find_pass(status(R"({"running": false, "current": null, "last": null})"), 7);
  CHECK_FALSE(s.finished);  // not started yet
  CHECK_FALSE(s.pass);

  s = find_pass(status(R"({"current": {"id": 7, "objects_scanned": 3}, "last": {"id": 6}})"), 7);
  CHECK_FALSE(s.finished);
  REQUIRE(s.pass);
  CHECK(json_u64(*s.pass, "objects_scanned") == 3);

  s = find_pass(status(R"({"current": null, "last": {"id": 7, "transitioned": 4}})"), 7);
  CHECK(s.finished);
  REQUIRE(s.pass);
  CHECK(json_u64(*s.pass, "transitioned") == 4);

  s = find_pass(status(R"({"current": {"id": 9}, "last": {"id": 8}})"), 7);
  CHECK(s.finished);
  CHECK_FALSE(s.pass);

  s = find_pass(status(R"({"current": {"id": 8}, "last": {"id": 6}})"), 7);
  CHECK(s.finished);  // 7 was replaced before we saw it end
  CHECK_FALSE(s.pass);
}

TEST_CASE("render_simulation says 1 day, and -- for a change from nothing") {
  Json sim = Json::parse(R"({"bucket": "b", "now": {"classes": [], "stored_bytes": 0, "monthly_cost": 0},
    "horizons": [{"days": 1, "classes": [], "stored_bytes": 0, "monthly_cost": 0}]})");
  std::string out = render_simulation(sim);
  CHECK(out.find("\n1 day    0 (0 B)       0 (0 B)     0 B          $0      --\n") != std::string::npos);
  CHECK(out.find("days") == std::string::npos);
}

TEST_CASE("render_status: a RADOS gateway's cluster, its pools' PGs, and silent monitors") {
  Json status = Json::parse(R"J({"backend": "rados", "drives": [], "pools": [], "cluster": {
    "reachable": true, "error": "", "health": "HEALTH_WARN", "checks": ["OSD_DOWN"],
    "osds": {"total": 3, "up": 2, "in": 3}, "monitors": {"total": 1, "in_quorum": 1}, "writable": true,
    "pools": [{"name": "silt.meta", "role": "index", "erasure": false, "k": 1, "m": 1, "size": 2,
               "pgs": {"total": 8, "clean": 3, "degraded": 5, "inactive": 0}, "writable": true, "used_bytes": null,
               "storage_classes": []},
              {"name": "silt.std", "role": "data", "erasure": true, "k": 2, "m": 1, "size": 3,
               "pgs": {"total": 8, "clean": 0, "degraded": 8, "inactive": 0}, "writable": true,
               "used_bytes": 3145728, "storage_classes": ["STANDARD"]}]}})J");
  std::string out = render_status(status);
  INFO(out);
  CHECK(out.find("  health: HEALTH_WARN (OSD_DOWN)\n  OSDs: 2 up, 3 in, of 3\n  monitors: 1 of 1 in quorum\n"
                 "  writes: ok\n") != std::string::npos);
  CHECK(out.find("silt.meta  index  2 copies        3         5         0  ok            --\n") != std::string::npos);
  CHECK(out.find("silt.std   data   EC 2+1          0         8         0  ok      3.00 MiB  STANDARD\n") !=
        std::string::npos);
  CHECK(out.find("Drives") == std::string::npos);
  status["cluster"]["reachable"] = false;
  status["cluster"]["writable"] = false;
  status["cluster"]["error"] = "no answer from the monitors for 16 s";
  out = render_status(status);
  CHECK(out.find("monitors not answering: no answer from the monitors for 16 s\n") != std::string::npos);
  CHECK(out.find("  writes: NO\n") != std::string::npos);
}

TEST_CASE("render_status: drives with reasons, pools with what they can do, healing") {
  Json status = Json::parse(R"J({
    "drives": [
      {"slot": 1, "path": "/d/1", "state": "online", "reason": "", "pools": ["standard", "cold"],
       "total_bytes": 2147483648, "free_bytes": 1073741824},
      {"slot": 2, "path": "/d/2", "state": "offline", "reason": "holds drive 1 of 6 of set x (another set)",
       "pools": ["standard", "cold"]}],
    "pools": [{"name": "standard", "k": 4, "m": 2, "online": 4, "healing": 1, "offline": 1,
               "storage_classes": ["STANDARD"], "readable": true, "writable": false}],
    "healing": {"backlog": 1234, "running": {"kind": "rebuild", "id": 7, "objects_scanned": 5, "objects_total": 10},
                "last": null, "scrub": null}})J");
  std::string out = render_status(status);
  CHECK(out.find("   1  online   1.00 GiB  2.00 GiB  standard,cold  /d/1\n") != std::string::npos);
  CHECK(out.find("   2  offline        --        --  standard,cold  /d/2\n") != std::string::npos);
  CHECK(out.find("  slot 2: holds drive 1 of 6 of set x (another set)\n") != std::string::npos);
  CHECK(out.find("standard  4+2       4        1        1  ok     NO      STANDARD\n") != std::string::npos);
  CHECK(out.find("  repair queue: 1,234 versions\n  running: rebuild pass 7, 5/10 versions\n") != std::string::npos);
  CHECK(out.find("  last scrub: none since start\n") != std::string::npos);
}

TEST_CASE("render_heal_summary names the kind of pass and what it rebuilt") {
  Json pass = Json::parse(R"J({"id": 3, "kind": "heal", "started_ms": 1000, "finished_ms": 3500,
    "objects_scanned": 12, "bytes_scanned": 3145728, "objects_healed": 2, "shards_repaired": 3,
    "shards_unavailable": 0, "objects_lost": 0, "errors": 0, "last_error": ""})J");
  std::string out = render_heal_summary(pass);
  CHECK(out.rfind("heal pass 3 finished in 2.5s", 0) == 0);
  // Labels left, numbers right-aligned under the widest ("3.00 MiB").
  CHECK(out.find("\n  versions checked                12\n") != std::string::npos);
  CHECK(out.find("\n  bytes checked             3.00 MiB\n") != std::string::npos);
  CHECK(out.find("\n  shards rebuilt                   3\n") != std::string::npos);
}
