#include "cmd/admin_views.h"

#include <cmath>
#include <cstdio>

#include "cmd/admin_format.h"
#include "util/time.h"

namespace silt::admin {

namespace {

using Align = Table::Align;

const Json& field(const Json& j, const char* key) {
  static const Json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

const Json& array_field(const Json& j, const char* key) {
  static const Json kEmpty = Json::array();
  const Json& v = field(j, key);
  return v.is_array() ? v : kEmpty;
}

// stored/logical: what erasure coding and compression make of a byte.
std::string overhead(uint64_t logical, uint64_t stored) {
  if (logical == 0) return "--";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fx", static_cast<double>(stored) / static_cast<double>(logical));
  return buf;
}

std::string percent_change(double before, double after) {
  if (before == 0) return "--";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f%%", (after - before) / before * 100);
  return buf;
}

std::string seconds_between(uint64_t from_ms, uint64_t to_ms) {
  if (to_ms < from_ms) return "--";
  char buf[32];
  double s = static_cast<double>(to_ms - from_ms) / 1000;
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", s);
    return buf;
  }
  return human_duration(s);
}

std::string timestamp(uint64_t ms) {
  if (ms == 0) return "--";
  std::string t = iso8601_ms(static_cast<int64_t>(ms));  // "2006-02-03T16:45:09.000Z"
  return t.substr(0, 10) + " " + t.substr(11, 8) + " UTC";
}

Table class_table(bool with_bucket) {
  std::vector<Table::Column> cols;
  if (with_bucket) cols.push_back({"BUCKET"});
  cols.insert(cols.end(), {{"CLASS"},
                           {"POOL"},
                           {"OBJECTS", Align::Right},
                           {"LOGICAL", Align::Right},
                           {"STORED", Align::Right},
                           {"OVERHEAD", Align::Right},
                           {"COST/MONTH", Align::Right}});
  return Table(std::move(cols));
}

std::vector<std::string> class_cells(const Json& c) {
  uint64_t logical = json_u64(c, "logical_bytes"), stored = json_u64(c, "stored_bytes");
  return {json_string(c, "storage_class"),
          json_string(c, "pool"),
          human_count(json_u64(c, "objects")),
          human_bytes(logical),
          human_bytes(stored),
          overhead(logical, stored),
          human_cost(json_double(c, "monthly_cost"))};
}

// One object of totals ({objects, logical_bytes, stored_bytes, monthly_cost}) summed from classes.
Json sum_classes(const Json& classes) {
  uint64_t objects = 0, logical = 0, stored = 0;
  double cost = 0;
  for (const Json& c : classes) {
    objects += json_u64(c, "objects");
    logical += json_u64(c, "logical_bytes");
    stored += json_u64(c, "stored_bytes");
    cost += json_double(c, "monthly_cost");
  }
  return {{"objects", objects}, {"logical_bytes", logical}, {"stored_bytes", stored}, {"monthly_cost", cost}};
}

}  // namespace

uint64_t json_u64(const Json& j, const char* key) {
  const Json& v = field(j, key);
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer()) return v.get<int64_t>() < 0 ? 0 : static_cast<uint64_t>(v.get<int64_t>());
  if (v.is_number_float()) return v.get<double>() < 0 ? 0 : static_cast<uint64_t>(std::llround(v.get<double>()));
  return 0;
}

double json_double(const Json& j, const char* key) {
  const Json& v = field(j, key);
  return v.is_number() ? v.get<double>() : 0.0;
}

std::string json_string(const Json& j, const char* key) {
  const Json& v = field(j, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

namespace {

// usage's "cluster" part (RADOS): per data pool, the index's bytes against the pool's.
std::string render_usage_check(const Json& checks) {
  if (checks.empty()) return "";
  Table t({{"RADOS POOL"},
           {"CLASSES"},
           {"VERSIONS", Align::Right},
           {"INLINE", Align::Right},
           {"INDEX", Align::Right},
           {"AWAITING GC", Align::Right},
           {"OPEN UPLOADS", Align::Right},
           {"POOL STORED", Align::Right},
           {"POOL RAW", Align::Right},
           {"DIFFERENCE", Align::Right},
           {"TOLERANCE", Align::Right},
           {"CHECK"}});
  std::string notes;
  for (const Json& c : checks) {
    auto opt_bytes = [&](const char* key) {
      return field(c, key).is_number() ? human_bytes(json_u64(c, key)) : std::string("unavailable");
    };
    std::string diff = "unavailable";
    if (const Json& d = field(c, "difference_bytes"); d.is_number_integer()) {
      const int64_t v = d.get<int64_t>();
      diff = (v < 0 ? "-" : "+") + human_bytes(static_cast<uint64_t>(v < 0 ? -v : v));
    }
    std::string classes;
    for (const Json& s : array_field(c, "storage_classes")) {
      if (!classes.empty()) classes += ",";
      classes += s.is_string() ? s.get<std::string>() : "";
    }
    // Data the pool holds beside the versions; "+?": entries whose bytes are not recorded.
    std::string gc = "unknown", parts = "unknown";
    if (const Json& p = field(c, "pending"); p.is_object()) {
      gc = human_bytes(json_u64(p, "gc_bytes")) + (json_u64(p, "gc_unknown_entries") ? " +?" : "");
      parts = human_bytes(json_u64(p, "upload_part_bytes")) + (json_u64(p, "upload_parts_unknown") ? " +?" : "");
    }
    const std::string status = json_string(c, "status");
    t.add_row({json_string(c, "pool"), classes, human_count(json_u64(c, "index_objects")),
               human_count(json_u64(c, "inline_objects")), human_bytes(json_u64(c, "index_pool_bytes")), gc, parts,
               opt_bytes("pool_stored_bytes"), opt_bytes("pool_used_bytes"), diff, opt_bytes("tolerance_bytes"),
               field(c, "flagged").is_boolean() && field(c, "flagged").get<bool>() ? "FLAGGED " + status : status});
    if (const std::string note = json_string(c, "note"); !note.empty())
      notes += json_string(c, "pool") + ": " + note + "\n";
  }
  return "\nindex against the pools (INDEX: bytes the index names in the pool, before EC; AWAITING GC, OPEN UPLOADS: "
         "bytes of replaced data and of parts the pool also holds; POOL STORED: ceph df's STORED)\n" +
         t.render() + notes;
}

}  // namespace

std::string render_usage(const Json& usage) {
  std::string out;
  const Json& pools = array_field(usage, "pools");
  if (!pools.empty()) {
    Table t({{"POOL"},
             {"ERASURE", Align::Right},
             {"BLOCK", Align::Right},
             {"COMPRESSION"},
             {"DRIVES", Align::Right},
             {"PRICE/TB-MONTH", Align::Right}});
    for (const Json& p : pools) {
      std::string compression = json_string(p, "compression");
      t.add_row({json_string(p, "name"), std::to_string(json_u64(p, "k")) + "+" + std::to_string(json_u64(p, "m")),
                 human_bytes(json_u64(p, "block_size")), compression.empty() ? "none" : compression,
                 std::to_string(json_u64(p, "drives")), human_cost(json_double(p, "price_per_tb_month"))});
    }
    out += t.render() + "\n";
  }

  Table t = class_table(true);
  for (const Json& b : array_field(usage, "buckets")) {
    std::string name = json_string(b, "bucket");
    const Json& classes = array_field(b, "classes");
    if (classes.empty()) t.add_row({name, "-", "-", "0", human_bytes(0), human_bytes(0), "--", human_cost(0)});
    for (const Json& c : classes) {
      std::vector<std::string> cells = class_cells(c);
      cells.insert(cells.begin(), name);
      t.add_row(std::move(cells));
    }
  }
  if (t.rows() == 0) return out + "no buckets\n";
  const Json& given = field(usage, "totals");
  Json totals = given;
  if (!totals.is_object()) {  // the server's totals are authoritative; sum the rows only without them
    Json all = Json::array();
    for (const Json& b : array_field(usage, "buckets"))
      for (const Json& c : array_field(b, "classes")) all.push_back(c);
    totals = sum_classes(all);
  }
  uint64_t logical = json_u64(totals, "logical_bytes"), stored = json_u64(totals, "stored_bytes");
  t.add_rule();
  t.add_row({"TOTAL", "", "", human_count(json_u64(totals, "objects")), human_bytes(logical), human_bytes(stored),
             overhead(logical, stored), human_cost(json_double(totals, "monthly_cost"))});
  return out + t.render() + render_usage_check(array_field(usage, "cluster"));
}

namespace {

// "<name> pass N finished in ..." and the rows, indented, then the last error.
std::string pass_summary(const std::string& name, const Json& pass,
                         const std::vector<std::pair<std::string, std::string>>& rows) {
  uint64_t started = json_u64(pass, "started_ms"), finished = json_u64(pass, "finished_ms");
  std::string out = name + " pass " + std::to_string(json_u64(pass, "id"));
  if (finished > 0)
    out += " finished in " + seconds_between(started, finished) + " (" + timestamp(finished) + ")\n";
  else
    out += " running since " + timestamp(started) + "\n";
  Table t({{""}, {"", Align::Right}});
  for (const auto& [label, value] : rows) t.add_row({label, value});

  // Indent the key/value lines under the heading.
  std::string body = t.render();
  size_t start = 0;
  while (start < body.size()) {
    size_t nl = body.find('\n', start);
    out += "  " + body.substr(start, nl + 1 - start);
    start = nl + 1;
  }
  // Outside the table: a long message would push the numbers out of line.
  std::string last_error = json_string(pass, "last_error");
  if (!last_error.empty()) out += "  last error: " + last_error + "\n";
  return out;
}

}  // namespace

std::string render_pass_summary(const Json& pass) {
  return pass_summary("lifecycle", pass,
                      {{"objects scanned", human_count(json_u64(pass, "objects_scanned"))},
                       {"expired", human_count(json_u64(pass, "expired"))},
                       {"transitioned", human_count(json_u64(pass, "transitioned"))},
                       {"bytes transitioned", human_bytes(json_u64(pass, "bytes_transitioned"))},
                       {"aborted uploads", human_count(json_u64(pass, "aborted_uploads"))},
                       {"errors", human_count(json_u64(pass, "errors"))}});
}

std::string render_heal_summary(const Json& pass) {
  std::string kind = json_string(pass, "kind");
  return pass_summary(kind.empty() ? "heal" : kind, pass,
                      {{"versions checked", human_count(json_u64(pass, "objects_scanned"))},
                       {"bytes checked", human_bytes(json_u64(pass, "bytes_scanned"))},
                       {"versions healed", human_count(json_u64(pass, "objects_healed"))},
                       {"shards rebuilt", human_count(json_u64(pass, "shards_repaired"))},
                       {"shards on offline drives", human_count(json_u64(pass, "shards_unavailable"))},
                       {"versions lost", human_count(json_u64(pass, "objects_lost"))},
                       {"errors", human_count(json_u64(pass, "errors"))}});
}

// status of a RADOS-backed gateway: the cluster as its monitors tell it (docs/cluster.md,
// "Health, metrics and the console") instead of drives and healing.
std::string render_cluster_status(const Json& c) {
  const bool reachable = field(c, "reachable").is_boolean() && field(c, "reachable").get<bool>();
  const bool writable = field(c, "writable").is_boolean() && field(c, "writable").get<bool>();
  std::string checks;
  for (const Json& k : array_field(c, "checks")) checks += (checks.empty() ? " (" : ", ") + k.get<std::string>();
  if (!checks.empty()) checks += ")";
  const Json& osds = field(c, "osds");
  const Json& mons = field(c, "monitors");
  std::string out = "Cluster\n  health: " + json_string(c, "health") + checks +
                    (reachable ? "" : "; monitors not answering: " + json_string(c, "error")) +
                    "\n  OSDs: " + std::to_string(json_u64(osds, "up")) + " up, " +
                    std::to_string(json_u64(osds, "in")) + " in, of " + std::to_string(json_u64(osds, "total")) +
                    "\n  monitors: " + std::to_string(json_u64(mons, "in_quorum")) + " of " +
                    std::to_string(json_u64(mons, "total")) + " in quorum\n  writes: " + (writable ? "ok" : "NO") +
                    "\n\nPools\n";
  Table pools({{"pool"},
               {"role"},
               {"redundancy"},
               {"clean", Align::Right},
               {"degraded", Align::Right},
               {"inactive", Align::Right},
               {"writes"},
               {"used", Align::Right},
               {"classes"}});
  for (const Json& p : array_field(c, "pools")) {
    std::string classes;
    for (const Json& k : array_field(p, "storage_classes"))
      classes += (classes.empty() ? "" : " ") + k.get<std::string>();
    const bool erasure = field(p, "erasure").is_boolean() && field(p, "erasure").get<bool>();
    const Json& pgs = field(p, "pgs");
    pools.add_row({json_string(p, "name"), json_string(p, "role"),
                   erasure ? "EC " + std::to_string(json_u64(p, "k")) + "+" + std::to_string(json_u64(p, "m"))
                           : std::to_string(json_u64(p, "size")) + " copies",
                   std::to_string(json_u64(pgs, "clean")), std::to_string(json_u64(pgs, "degraded")),
                   std::to_string(json_u64(pgs, "inactive")),
                   field(p, "writable").is_boolean() && field(p, "writable").get<bool>() ? "ok" : "NO",
                   field(p, "used_bytes").is_null() ? "--" : human_bytes(json_u64(p, "used_bytes")), classes});
  }
  return out + pools.render();
}

std::string render_status(const Json& status) {
  if (field(status, "cluster").is_object()) return render_cluster_status(field(status, "cluster"));
  std::string out = "Drives\n";
  Table drives(
      {{"slot", Align::Right}, {"state"}, {"free", Align::Right}, {"size", Align::Right}, {"pools"}, {"path"}});
  std::string reasons;
  for (const Json& d : array_field(status, "drives")) {
    std::string pools;
    for (const Json& p : array_field(d, "pools")) pools += (pools.empty() ? "" : ",") + p.get<std::string>();
    const Json& total = field(d, "total_bytes");
    drives.add_row({std::to_string(json_u64(d, "slot")), json_string(d, "state"),
                    total.is_null() ? "--" : human_bytes(json_u64(d, "free_bytes")),
                    total.is_null() ? "--" : human_bytes(json_u64(d, "total_bytes")), pools, json_string(d, "path")});
    std::string why = json_string(d, "reason");
    if (!why.empty()) reasons += "  slot " + std::to_string(json_u64(d, "slot")) + ": " + why + "\n";
  }
  out += drives.render() + reasons + "\nPools\n";
  Table pools({{"pool"},
               {"k+m"},
               {"online", Align::Right},
               {"healing", Align::Right},
               {"offline", Align::Right},
               {"reads"},
               {"writes"},
               {"classes"}});
  for (const Json& p : array_field(status, "pools")) {
    std::string classes;
    for (const Json& c : array_field(p, "storage_classes"))
      classes += (classes.empty() ? "" : " ") + c.get<std::string>();
    auto yes = [&](const char* k) { return field(p, k).is_boolean() && field(p, k).get<bool>() ? "ok" : "NO"; };
    pools.add_row({json_string(p, "name"), std::to_string(json_u64(p, "k")) + "+" + std::to_string(json_u64(p, "m")),
                   std::to_string(json_u64(p, "online")), std::to_string(json_u64(p, "healing")),
                   std::to_string(json_u64(p, "offline")), yes("readable"), yes("writable"), classes});
  }
  out += pools.render() + "\nHealing\n";
  const Json& h = field(status, "healing");
  out += "  repair queue: " + human_count(json_u64(h, "backlog")) + " versions\n";
  const Json& running = field(h, "running");
  if (running.is_object())
    out += "  running: " + json_string(running, "kind") + " pass " + std::to_string(json_u64(running, "id")) + ", " +
           human_count(json_u64(running, "objects_scanned")) + "/" + human_count(json_u64(running, "objects_total")) +
           " versions\n";
  const Json& last = field(h, "last");
  if (last.is_object())
    out += "  last pass: " + json_string(last, "kind") + " " + std::to_string(json_u64(last, "id")) + " at " +
           timestamp(json_u64(last, "finished_ms")) + ", " + human_count(json_u64(last, "shards_repaired")) +
           " shards rebuilt, " + human_count(json_u64(last, "objects_lost")) + " lost\n";
  const Json& scrub = field(h, "scrub");
  out += scrub.is_object() ? "  last scrub: " + timestamp(json_u64(scrub, "finished_ms")) + ", " +
                                 human_count(json_u64(scrub, "objects_scanned")) + " versions, " +
                                 human_count(json_u64(scrub, "shards_repaired")) + " shards rebuilt\n"
                           : "  last scrub: none since start\n";
  return out;
}

Progress lifecycle_progress(const Json& pass) {
  Progress p;
  p.scanned = json_u64(pass, "objects_scanned");
  p.total = json_u64(pass, "objects_total");
  p.moved_objects = json_u64(pass, "transitioned");
  p.moved_bytes = json_u64(pass, "bytes_transitioned");
  p.expired = json_u64(pass, "expired");
  return p;
}

std::string render_lifecycle_status(const Json& status) {
  std::string out;
  const Json& current = field(status, "current");
  const Json& last = field(status, "last");
  bool running = field(status, "running").is_boolean() && field(status, "running").get<bool>();
  if (current.is_object()) {
    Progress p = lifecycle_progress(current);
    out += "running: pass " + std::to_string(json_u64(current, "id")) + " since " +
           timestamp(json_u64(current, "started_ms")) + "\n  " + progress_line(p) + "\n";
  } else {
    out += running ? "running\n" : "idle\n";
  }
  out += "\n";
  if (last.is_object())
    out += "last " + render_pass_summary(last);
  else
    out += "no pass has finished yet\n";

  Table t({{"BUCKET"},
           {"RULE"},
           {"STATUS"},
           {"EXPIRED", Align::Right},
           {"TRANSITIONED", Align::Right},
           {"BYTES MOVED", Align::Right},
           {"CURSOR"}});
  for (const Json& b : array_field(status, "buckets")) {
    std::string name = json_string(b, "bucket");
    std::string cursor = json_string(b, "cursor");
    if (cursor.empty()) cursor = "(start)";
    const Json& rules = array_field(b, "rules");
    if (rules.empty()) t.add_row({name, "-", "-", "", "", "", cursor});
    for (const Json& r : rules)
      t.add_row({name, json_string(r, "id"), json_string(r, "status"), human_count(json_u64(r, "expired")),
                 human_count(json_u64(r, "transitioned")), human_bytes(json_u64(r, "bytes_transitioned")), cursor});
  }
  out += "\n";
  out += t.rows() == 0 ? "no bucket has a lifecycle configuration\n" : t.render();

  // Who works on which bucket (on a cluster, the same from every gateway): only when
  // some bucket's lease is held, so a single node's status reads as it always did.
  Table leases({{"BUCKET"}, {"HOLDER"}, {"LEASE EXPIRES"}, {"PASS SCANNED", Align::Right}});
  for (const Json& b : array_field(status, "buckets")) {
    std::string holder = json_string(b, "holder");
    if (holder.empty()) continue;
    leases.add_row({json_string(b, "bucket"), holder, timestamp(json_u64(b, "lease_expires_ms")),
                    human_count(json_u64(b, "scanned"))});
  }
  if (leases.rows() > 0) out += "\n" + leases.render();
  return out;
}

std::string render_simulation(const Json& sim) {
  const Json& now = field(sim, "now");
  double now_cost = json_double(now, "monthly_cost");
  std::string out = "bucket " + json_string(sim, "bucket") + ": what its lifecycle rules would do\n\n";

  Table t({{"HORIZON"},
           {"EXPIRED", Align::Right},
           {"TRANSITIONED", Align::Right},
           {"STORED", Align::Right},
           {"COST/MONTH", Align::Right},
           {"CHANGE", Align::Right}});
  t.add_row({"now", "", "", human_bytes(json_u64(now, "stored_bytes")), human_cost(now_cost), ""});
  const Json& horizons = array_field(sim, "horizons");
  auto label = [](const Json& h) {
    uint64_t days = json_u64(h, "days");
    return std::to_string(days) + (days == 1 ? " day" : " days");
  };
  for (const Json& h : horizons) {
    double cost = json_double(h, "monthly_cost");
    t.add_row(
        {label(h), human_count(json_u64(h, "expired_objects")) + " (" + human_bytes(json_u64(h, "expired_bytes")) + ")",
         human_count(json_u64(h, "transitioned_objects")) + " (" + human_bytes(json_u64(h, "transitioned_bytes")) + ")",
         human_bytes(json_u64(h, "stored_bytes")), human_cost(cost), percent_change(now_cost, cost)});
  }
  out += t.render() + "\n";

  Table per_class({{"HORIZON"},
                   {"CLASS"},
                   {"POOL"},
                   {"OBJECTS", Align::Right},
                   {"LOGICAL", Align::Right},
                   {"STORED", Align::Right},
                   {"OVERHEAD", Align::Right},
                   {"COST/MONTH", Align::Right}});
  auto add_classes = [&](const std::string& when, const Json& classes) {
    for (const Json& c : classes) {
      std::vector<std::string> cells = class_cells(c);
      cells.insert(cells.begin(), when);
      per_class.add_row(std::move(cells));
    }
  };
  add_classes("now", array_field(now, "classes"));
  for (const Json& h : horizons) add_classes(label(h), array_field(h, "classes"));
  if (per_class.rows() > 0) out += per_class.render();
  return out;
}

PassState find_pass(const Json& status, uint64_t id) {
  PassState s;
  const Json& current = field(status, "current");
  const Json& last = field(status, "last");
  if (last.is_object() && json_u64(last, "id") >= id) {
    s.finished = true;
    if (json_u64(last, "id") == id) s.pass = last;
    return s;
  }
  if (current.is_object()) {
    uint64_t cid = json_u64(current, "id");
    if (cid == id) s.pass = current;
    s.finished = cid > id;
  }
  return s;
}

}  // namespace silt::admin
