#include "rados/orphans.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "index/object_record.h"
#include "index/upload_record.h"

namespace silt::rados {

namespace {

using Id = std::array<uint8_t, 16>;

// A data id (32 lowercase hex digits, random_id()) as 16 bytes; nullopt for anything else.
std::optional<Id> parse_id(std::string_view s) {
  if (s.size() != 32) return std::nullopt;
  Id id{};
  for (size_t i = 0; i < 32; ++i) {
    const char c = s[i];
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else
      return std::nullopt;
    id[i / 2] = static_cast<uint8_t>(id[i / 2] << 4 | v);
  }
  return id;
}

// "<data id>.<n>" -> the data id; nullopt for a name silt does not give data objects.
std::optional<Id> data_id_of(std::string_view oid) {
  const size_t dot = oid.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == oid.size()) return std::nullopt;
  for (char c : oid.substr(dot + 1))
    if (c < '0' || c > '9') return std::nullopt;
  return parse_id(oid.substr(0, dot));
}

bool is_shard_object(std::string_view oid) {
  return oid.starts_with("silt.b.") && oid.find(".s.") != std::string_view::npos;
}

// What one walk of the index found.
struct Walk {
  uint64_t shards = 0;
  std::vector<Id> named;  // sorted and unique once the walk ends
  std::vector<StaleIntent> stale;
};

void name(Walk& w, std::string_view data_id) {
  if (auto id = parse_id(data_id)) w.named.push_back(*id);
}

void name_record(Walk& w, const ObjectRecord& rec) {
  name(w, rec.layout.data_id);
  for (const auto& p : rec.parts) name(w, p.data_id);
}

// Data objects of data_id present in pool (the sweeper's count: until 65 in a row are missing).
s3::Result<uint64_t> count_objects(DataPool& pool, const std::string& data_id) {
  uint64_t present = 0;
  for (uint64_t n = 0, missing = 0; missing < 65; ++n) {
    uint64_t size = 0;
    time_t mtime = 0;
    const int r = pool.io.stat(data_oid(data_id, n), &size, &mtime);
    if (r == 0) {
      ++present;
      missing = 0;
    } else if (r == -ENOENT) {
      ++missing;
    } else {
      return rados_error("stat", data_oid(data_id, n), r);
    }
  }
  return present;
}

// The names in one shard's omap. Values of O/V (object records), P (parts) and U (a
// completed upload's "free" list) carry data ids; I and G entries are named by theirs.
s3::Status walk_shard(Backend& b, const std::string& oid, int64_t now_ms, Walk& w) {
  std::string after;
  for (bool more = true; more;) {
    std::map<std::string, bufferlist> page;
    librados::ObjectReadOperation rd;
    int rv = 0;
    rd.omap_get_vals2(after, "", 1000, &page, &more, &rv);
    const int r = b.index.operate(oid, &rd, nullptr);
    if (r == -ENOENT) return {};  // removed meanwhile (a deleted bucket)
    if (r < 0) return rados_error("read", oid, r);
    if (rv < 0) return rados_error("read", oid, rv);
    for (const auto& [entry, value] : page) {
      if (entry.empty()) continue;
      const std::string v = value.to_str();
      switch (entry[0]) {
        case 'O':
        case 'V':
          if (auto rec = decode_object_record(v)) name_record(w, *rec);
          break;
        case 'P':
          if (auto part = decode_uploaded_part(v)) name(w, part->layout.data_id);
          break;
        case 'U': {
          auto j = nlohmann::json::parse(v, nullptr, false);
          if (j.is_object() && j.contains("free") && j["free"].is_array())
            for (const auto& id : j["free"])
              if (id.is_string()) name(w, id.get<std::string>());
          break;
        }
        case 'G':
          if (entry.size() > 17) name(w, std::string_view(entry).substr(17));  // "G" + 16 hex of the due time
          break;
        case 'I': {
          const std::string data_id = entry.substr(1);
          name(w, data_id);
          auto j = nlohmann::json::parse(v, nullptr, false);
          if (!j.is_object()) break;
          const int64_t started = j.value("started_ms", now_ms);
          if (started + b.cfg.intent_timeout_ms > now_ms) break;  // still its writer's
          StaleIntent s{oid, j.value("key", ""), data_id, j.value("pool", ""), (now_ms - started) / 1000, 0};
          if (DataPool* pool = b.pool(s.pool)) {
            auto n = count_objects(*pool, data_id);
            if (!n) return n.error();
            s.data_objects = *n;
          }
          w.stale.push_back(std::move(s));
          break;
        }
        default: break;
      }
    }
    if (page.empty()) break;
    after = page.rbegin()->first;
  }
  return {};
}

s3::Result<Walk> walk_index(Backend& b, int64_t now_ms) {
  Walk w;
  try {
    for (auto it = b.index.nobjects_begin(); it != b.index.nobjects_end(); ++it) {
      const std::string& oid = it->get_oid();
      if (!is_shard_object(oid)) continue;
      ++w.shards;
      if (auto s = walk_shard(b, oid, now_ms, w); !s) return s.error();
    }
  } catch (const std::exception& e) {  // librados' object iterator reports errors by throwing
    return s3::Error(s3::Code::InternalError, std::string("rados: listing the index pool: ") + e.what());
  }
  std::sort(w.named.begin(), w.named.end());
  w.named.erase(std::unique(w.named.begin(), w.named.end()), w.named.end());
  return w;
}

bool named_in(const Walk& w, const Id& id) {
  return std::binary_search(w.named.begin(), w.named.end(), id);
}

}  // namespace

s3::Result<OrphanReport> find_orphans(Backend& b, int64_t now_ms) {
  OrphanReport rep;
  auto first = walk_index(b, now_ms);
  if (!first) return first.error();
  rep.shards = first->shards;
  rep.named = first->named.size();

  struct Candidate {
    DataPool* pool;
    std::string oid;
    Id id;
  };
  std::vector<Candidate> unnamed;
  for (auto& pool : b.pools) {
    try {
      for (auto it = pool->io.nobjects_begin(); it != pool->io.nobjects_end(); ++it) {
        const std::string& oid = it->get_oid();
        ++rep.data_objects;
        auto id = data_id_of(oid);
        if (!id) {
          ++rep.foreign;
          continue;
        }
        if (!named_in(*first, *id)) unnamed.push_back({pool.get(), oid, *id});
      }
    } catch (const std::exception& e) {
      return s3::Error(s3::Code::InternalError,
                       std::string("rados: listing pool ") + pool->cfg.rados_pool + ": " + e.what());
    }
  }
  first->named = {};  // freed before the second walk builds its own: one set at a time
  rep.rechecked = unnamed.size();

  // Objects written while the pools were listed are named by now (their intent came
  // first); data GC removed meanwhile is gone. The second walk settles both.
  if (!unnamed.empty()) {
    auto second = walk_index(b, now_ms);
    if (!second) return second.error();
    for (const auto& c : unnamed) {
      if (named_in(*second, c.id)) continue;
      uint64_t size = 0;
      time_t mtime = 0;
      const int r = c.pool->io.stat(c.oid, &size, &mtime);
      if (r == -ENOENT) continue;
      if (r < 0) return rados_error("stat", c.oid, r);
      rep.orphans.push_back({c.pool->cfg.name, c.oid, size, std::max<int64_t>(0, now_ms / 1000 - mtime)});
    }
  }
  rep.stale_intents = std::move(first->stale);
  return rep;
}

}  // namespace silt::rados
