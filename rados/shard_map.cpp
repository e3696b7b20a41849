#include "rados/shard_map.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <map>

#include "index/keys.h"
#include "rados/backend.h"

namespace silt::rados {

std::string map_oid(std::string_view bucket_id) {
  return "silt.b." + std::string(bucket_id) + ".map";
}

std::string new_shard_oid(std::string_view bucket_id) {
  return "silt.b." + std::string(bucket_id) + ".s." + random_id();
}

std::string next_gen(std::string_view g) {
  uint64_t n = 0;
  if (!g.empty()) std::from_chars(g.data(), g.data() + g.size(), n);
  return std::to_string(n + 1);
}

size_t ShardMap::index_of(std::string_view key) const {
  // The last range whose lower bound is <= key.
  auto it = std::upper_bound(ranges.begin(), ranges.end(), key,
                             [](std::string_view k, const ShardRange& r) { return k < r.lower; });
  return it == ranges.begin() ? 0 : static_cast<size_t>(it - ranges.begin() - 1);
}

std::string ShardMap::entry_floor(size_t i, char kind) const {
  if (i == 0) return {};
  const std::string& lo = ranges[i].lower;
  return std::string(1, kind) + (kind == 'O' ? lo : keys::escape_key(lo));
}

s3::Result<ShardMap> load_shard_map(Backend& b, std::string_view bucket_id) {
  ShardMap m;
  m.bucket_id = std::string(bucket_id);
  const std::string oid = map_oid(bucket_id);
  std::string after;
  for (bool more = true, first = true; more; first = false) {
    librados::ObjectReadOperation op;
    std::map<std::string, bufferlist> attrs, page;
    int rv_attrs = 0, rv_page = 0;
    if (first) op.getxattrs(&attrs, &rv_attrs);
    op.omap_get_vals2(after, "S", 1000, &page, &more, &rv_page);
    int r = b.index.operate(oid, &op, nullptr);
    if (r == -ENOENT && first) {  // never split: the implied map
      m.ranges.push_back({"", {shard_oid(bucket_id), ""}});
      return m;
    }
    if (r == -ENOENT) break;  // bucket deleted meanwhile: callers find out on the shard
    if (r < 0) return rados_error("read shard map", oid, r);
    if (first)
      if (auto it = attrs.find(kGenXattr); it != attrs.end()) m.gen = it->second.to_str();
    for (const auto& [name, value] : page) {
      const std::string v = value.to_str();
      const size_t sp = v.find(' ');
      if (sp == std::string::npos) return s3::Error(s3::Code::InternalError, "rados: corrupt shard map " + oid);
      m.ranges.push_back({name.substr(1), {v.substr(sp + 1), v.substr(0, sp)}});
    }
    if (page.empty()) break;
    after = page.rbegin()->first;
  }
  if (m.ranges.empty() || !m.ranges[0].lower.empty())
    return s3::Error(s3::Code::InternalError, "rados: shard map " + oid + " has no first range");
  return m;
}

void guard_shard(librados::ObjectOperation& op, const ShardRef& s) {
  op.assert_exists();
  op.cmpxattr(kGenXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(s.gen));
  op.cmpxattr(kStateXattr, LIBRADOS_CMPXATTR_OP_NE, to_bl(kSplitting));
}

bool entry_key(std::string_view entry, std::string& key) {
  if (entry.empty()) return false;
  const char kind = entry[0];
  const std::string_view rest = entry.substr(1);
  if (kind == 'O') {
    key = std::string(rest);
    return true;
  }
  if (kind != 'V' && kind != 'U' && kind != 'P') return false;
  // The escaped key ends at the first "\0\1" (a \0 of the key is escaped as \0\xff).
  const size_t end = rest.find(keys::kKeyEnd);
  if (end == std::string_view::npos) return false;
  key = keys::unescape_key(rest.substr(0, end));
  return true;
}

}  // namespace silt::rados
