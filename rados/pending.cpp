#include "rados/pending.h"

#include <cerrno>
#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "index/upload_record.h"
#include "rados/buckets.h"
#include "rados/gc.h"
#include "rados/uploads.h"

namespace silt::rados {

namespace {

using nlohmann::json;

constexpr uint64_t kPage = 1000;  // omap entries per read

PendingPoolData& pool_of(PendingData& out, std::string_view pool) {
  for (auto& p : out.pools)
    if (p.pool == pool) return p;
  out.pools.push_back(PendingPoolData{});
  out.pools.back().pool = std::string(pool);
  return out.pools.back();
}

// Calls each(name, value) for every entry of shard starting with prefix, a page at a time.
// False when the shard is gone (a bucket deleted meanwhile).
s3::Result<bool> each_entry(Backend& b, const std::string& shard, const std::string& prefix, uint64_t& read,
                            const std::function<void(const std::string&, const std::string&)>& each) {
  std::string after;
  for (bool more = true; more;) {
    std::map<std::string, bufferlist> page;
    librados::ObjectReadOperation rd;
    int rv = 0;
    rd.omap_get_vals2(after, prefix, kPage, &page, &more, &rv);
    const int r = b.index.operate(shard, &rd, nullptr);
    if (r == -ENOENT) return false;
    if (r < 0) return rados_error("list " + prefix + " entries of", shard, r);
    for (const auto& [name, value] : page) each(name, value.to_str());
    read += page.size();
    if (page.empty()) break;
    after = page.rbegin()->first;
  }
  return true;
}

// The U entry name of a P entry: "P<ekey>\0\1<upload id><5-digit part>" -> "U<ekey>\0\1<upload id>".
std::string upload_of_part(const std::string& part_name) {
  constexpr size_t kDigits = 5;
  if (part_name.size() < 1 + kDigits) return {};
  return "U" + part_name.substr(1, part_name.size() - 1 - kDigits);
}

s3::Status add_shard(Backend& b, const std::string& shard, PendingData& out) {
  // A completed upload whose parts are still being removed (a Complete of many parts, or
  // one cut short by a crash): its kept parts are the object's, named by the index; only
  // its "free" list is pending. Such uploads are transient and few: their lists are kept.
  std::map<std::string, std::set<std::string>> completed;
  auto uploads = each_entry(b, shard, "U", out.entries, [&](const std::string& name, const std::string& value) {
    if (upload_state(value) != "completed") return;
    auto& free = completed[name];
    json j = json::parse(value, nullptr, false);
    if (j.is_object() && j.contains("free") && j["free"].is_array())
      for (const auto& id : j["free"])
        if (id.is_string()) free.insert(id.get<std::string>());
  });
  if (!uploads) return uploads.error();
  if (!*uploads) return {};
  auto parts = each_entry(b, shard, "P", out.entries, [&](const std::string& name, const std::string& value) {
    if (auto u = completed.find(upload_of_part(name)); u != completed.end()) {
      auto p = decode_uploaded_part(value);
      if (!p || !u->second.count(p->layout.data_id)) return;
    }
    add_part_entry(out, value);
  });
  if (!parts) return parts.error();
  auto gc = each_entry(b, shard, "G", out.entries,
                       [&](const std::string&, const std::string& value) { add_gc_entry(out, value); });
  if (!gc) return gc.error();
  auto intents = each_entry(b, shard, "I", out.entries,
                            [&](const std::string&, const std::string& value) { add_intent_entry(out, value); });
  if (!intents) return intents.error();
  ++out.shards;
  return {};
}

}  // namespace

void add_gc_entry(PendingData& out, std::string_view value) {
  auto g = parse_gc_value(value);
  if (!g) return;
  PendingPoolData& p = pool_of(out, g->pool);
  ++p.gc_entries;
  p.gc_objects += g->objects;
  if (g->bytes) {
    p.gc_bytes += *g->bytes;
  } else {
    ++p.gc_unknown_entries;
    p.gc_unknown_objects += g->objects;
  }
}

void add_part_entry(PendingData& out, std::string_view value) {
  auto part = decode_uploaded_part(value);
  if (!part) return;
  PendingPoolData& p = pool_of(out, part->layout.pool);
  ++p.part_entries;
  p.part_objects += object_count(part->info.size, part->layout.block_size);
  if (auto bytes = pool_bytes(part->layout, part->info.size, part->layout.stored))
    p.part_bytes += *bytes;
  else
    ++p.part_unknown_entries;
}

void add_intent_entry(PendingData& out, std::string_view value) {
  json j = json::parse(value, nullptr, false);
  if (!j.is_object() || !j.contains("pool") || !j["pool"].is_string()) return;
  ++pool_of(out, j["pool"].get<std::string>()).intents;
}

s3::Result<PendingData> measure_pending(Backend& b) {
  const auto start = std::chrono::steady_clock::now();
  PendingData out;
  auto buckets = list_buckets(b);
  if (!buckets) return buckets.error();
  for (const auto& info : *buckets) {
    b.forget_bucket(info.name);  // every shard of the map as it is now
    auto m = b.shard_map(info.name);
    if (!m && m.error().code == s3::Code::NoSuchBucket) continue;  // deleted meanwhile
    if (!m) return m.error();
    for (const auto& range : (*m)->ranges)
      if (auto s = add_shard(b, range.shard.oid, out); !s) return s.error();
  }
  out.took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace silt::rados
