#include "rados/gc.h"

#include <algorithm>
#include <cerrno>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "rados/buckets.h"
#include "rados/frames.h"
#include "rados/uploads.h"
#include "util/parse.h"

namespace silt::rados {

namespace {

using nlohmann::json;

// Entry name "G<16 hex due ms><data id>" -> due ms; -1 when malformed.
int64_t due_of(const std::string& name) {
  if (name.size() < 17) return -1;
  auto v = parse_u64(std::string_view(name).substr(1, 16), 16);
  return v ? static_cast<int64_t>(*v) : -1;
}

// Processes entries of shard due by now_ms (all of them when now_ms is the maximum).
s3::Result<uint64_t> collect(Backend& b, const std::string& shard, int64_t now_ms) {
  uint64_t done = 0;
  std::string after;
  for (bool more = true; more;) {
    std::map<std::string, bufferlist> page;
    librados::ObjectReadOperation rd;
    int rv = 0;
    rd.omap_get_vals2(after, "G", 256, &page, &more, &rv);
    int r = b.index.operate(shard, &rd, nullptr);
    if (r == -ENOENT) return done;
    if (r < 0) return rados_error("list GC entries of", shard, r);
    std::set<std::string> finished;
    for (const auto& [name, value] : page) {
      const int64_t due = due_of(name);
      if (due > now_ms) {
        more = false;  // sorted by due time: the rest is later still
        break;
      }
      if (auto g = parse_gc_value(value.to_str())) {  // bytes or not: an older gateway's entry too
        DataPool* pool = b.pool(g->pool);
        if (!pool) continue;  // a pool dropped from the config: keep the entry, do not guess
        if (auto s = remove_data(*pool, name.substr(17), g->objects); !s) return s.error();
      }
      finished.insert(name);
    }
    if (!finished.empty()) {
      librados::ObjectWriteOperation op;
      op.assert_exists();  // never resurrect a removed shard
      op.omap_rm_keys(finished);
      if (int r2 = b.index.operate(shard, &op); r2 < 0 && r2 != -ENOENT)
        return rados_error("drop GC entries of", shard, r2);
      done += finished.size();
    }
    if (page.empty()) break;
    after = page.rbegin()->first;
  }
  return done;
}

}  // namespace

std::pair<std::string, std::string> gc_objects_item(std::string_view pool, std::string_view data_id, uint64_t objects,
                                                    std::optional<uint64_t> bytes, int64_t due_ms) {
  json v{{"pool", pool}, {"objects", objects}};
  if (bytes) v["bytes"] = *bytes;
  return {gc_entry(due_ms, data_id), v.dump()};
}

std::optional<uint64_t> pool_bytes(const ObjectLayout& layout, uint64_t size, uint64_t stored) {
  if (stored > 0) return written_size(stored, layout.k, layout.m);
  if (size == 0 || layout.compression.empty()) return size;
  return std::nullopt;
}

std::pair<std::string, std::string> gc_data_item(const ObjectLayout& layout, std::string_view data_id, uint64_t size,
                                                 uint64_t stored, int64_t due_ms) {
  return gc_objects_item(layout.pool, data_id, object_count(size, layout.block_size), pool_bytes(layout, size, stored),
                         due_ms);
}

std::optional<GcValue> parse_gc_value(std::string_view value) {
  json j = json::parse(value, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  GcValue g;
  auto pool = j.find("pool");
  auto objects = j.find("objects");
  auto bytes = j.find("bytes");
  if (pool != j.end() && pool->is_string()) g.pool = pool->get<std::string>();
  if (objects != j.end() && objects->is_number_unsigned()) g.objects = objects->get<uint64_t>();
  if (bytes != j.end() && bytes->is_number_unsigned()) g.bytes = bytes->get<uint64_t>();
  return g;
}

namespace {

// The data objects a writer that left no record may have written: one past the last
// present, probing until more objects are missing in a row than any writer keeps in flight
// (an aio write may land after one sent before it failed), and the bytes of those present.
struct Probed {
  uint64_t objects = 0;
  uint64_t bytes = 0;
};
s3::Result<Probed> probe_objects(DataPool& pool, const std::string& data_id) {
  constexpr uint64_t kMissingRun = 65;  // > the largest writes_in_flight (64)
  Probed out;
  for (uint64_t n = 0; n < out.objects + kMissingRun; ++n) {
    uint64_t size = 0;
    time_t mtime = 0;
    int r = pool.io.stat(data_oid(data_id, n), &size, &mtime);
    if (r == 0) {
      out.objects = n + 1;
      out.bytes += size;
    } else if (r != -ENOENT) {
      return rados_error("stat", data_oid(data_id, n), r);
    }
  }
  return out;
}

}  // namespace

s3::Result<uint64_t> sweep_intents(Backend& b, const std::string& shard, int64_t now_ms) {
  uint64_t swept = 0;
  std::string after;
  for (bool more = true; more;) {
    std::map<std::string, bufferlist> page;
    librados::ObjectReadOperation rd;
    int rv = 0;
    rd.omap_get_vals2(after, "I", 256, &page, &more, &rv);
    int r = b.index.operate(shard, &rd, nullptr);
    if (r == -ENOENT) return swept;
    if (r < 0) return rados_error("list write intents of", shard, r);
    for (const auto& [name, value] : page) {
      json j = json::parse(value.to_str(), nullptr, false);
      if (!j.is_object()) continue;
      if (j.value("started_ms", now_ms) + b.cfg.intent_timeout_ms > now_ms) continue;  // still its writer's
      DataPool* pool = b.pool(j.value("pool", ""));
      if (!pool) continue;  // a pool dropped from the config: keep the entry, do not guess
      const std::string data_id = name.substr(1);
      auto probed = probe_objects(*pool, data_id);
      if (!probed) return probed.error();
      auto [gname, gvalue] = gc_objects_item(pool->cfg.name, data_id, probed->objects, probed->bytes, now_ms);
      librados::ObjectWriteOperation op;
      int cmp_rv = 0;
      op.assert_exists();
      op.omap_cmp({{name, {value, LIBRADOS_CMPXATTR_OP_EQ}}}, &cmp_rv);  // not committed or renewed meanwhile
      op.omap_rm_keys({name});
      op.omap_set({{gname, to_bl(gvalue)}});
      r = b.index.operate(shard, &op);
      if (r == 0)
        ++swept;
      else if (r != -ECANCELED && r != -ENOENT)
        return rados_error("sweep write intent in", shard, r);
    }
    if (page.empty()) break;
    after = page.rbegin()->first;
  }
  return swept;
}

std::vector<std::pair<std::string, std::string>> gc_items(const ObjectRecord& rec, int64_t due_ms) {
  std::vector<std::pair<std::string, std::string>> out;
  if (rec.info.delete_marker || is_inline(rec)) return out;
  if (!rec.layout.data_id.empty()) {
    out.push_back(gc_data_item(rec.layout, rec.layout.data_id, rec.info.size, rec.info.stored_bytes, due_ms));
    return out;
  }
  for (const auto& p : rec.parts)  // multipart: each part's data is its own
    out.push_back(gc_data_item(rec.layout, p.data_id, p.size, p.stored, due_ms));
  return out;
}

s3::Status remove_data(DataPool& pool, const std::string& data_id, uint64_t count) {
  constexpr uint64_t kBatch = 16;  // removals in flight at once
  for (uint64_t first = 0; first < count; first += kBatch) {
    std::vector<Completion> pending;
    for (uint64_t n = first; n < std::min(count, first + kBatch); ++n) {
      pending.push_back(new_completion());
      if (int r = pool.io.aio_remove(data_oid(data_id, n), pending.back().get()); r < 0)
        return rados_error("remove", data_oid(data_id, n), r);
    }
    for (auto& c : pending) {
      c->wait_for_complete();
      if (int r = c->get_return_value(); r < 0 && r != -ENOENT) return rados_error("remove data of", data_id, r);
    }
  }
  return {};
}

s3::Result<uint64_t> gc_shard(Backend& b, const std::string& shard, int64_t now_ms) {
  return collect(b, shard, now_ms);
}

s3::Status drain_gc(Backend& b, const std::string& shard) {
  auto r = collect(b, shard, std::numeric_limits<int64_t>::max());
  if (!r) return r.error();
  return {};
}

s3::Result<uint64_t> gc_pass(Backend& b, int64_t now_ms) {
  auto buckets = list_buckets(b);
  if (!buckets) return buckets.error();
  uint64_t done = 0;
  for (const auto& info : *buckets) {
    b.forget_bucket(info.name);  // every shard, as the map is now
    auto m = b.shard_map(info.name);
    if (!m) continue;  // deleted meanwhile
    for (const auto& range : (*m)->ranges) {
      if (auto s = sweep_intents(b, range.shard.oid, now_ms); !s) return s.error();
      if (auto s = sweep_uploads(b, info.name, range.shard.oid, now_ms); !s) return s.error();
      auto n = collect(b, range.shard.oid, now_ms);
      if (!n) return n.error();
      done += *n;
    }
  }
  return done;
}

}  // namespace silt::rados
