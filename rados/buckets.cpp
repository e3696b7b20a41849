#include "rados/buckets.h"

#include <cerrno>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "rados/gc.h"
#include "rados/lease.h"
#include "rados/split.h"
#include "rados/uploads.h"
#include "rados/versioning.h"

namespace silt::rados {

namespace {

using nlohmann::json;

s3::Error no_such_bucket() {
  return s3::Error(s3::Code::NoSuchBucket, "The specified bucket does not exist");
}

std::string encode_bucket(const BucketRecord& r) {
  json j{{"id", r.id},
         {"created_ms", r.info.created_ms},
         {"versioning", versioning_name(r.info.versioning)},
         {"versioning_epoch", r.versioning_epoch},
         {"owner", r.info.owner}};
  if (r.packed_list) j["packed_list"] = true;
  return j.dump();
}

s3::Result<BucketRecord> decode_bucket(std::string_view name, const std::string& value) {
  json j = json::parse(value, nullptr, false);
  if (!j.is_object() || !j.contains("id") || !j["id"].is_string())
    return s3::Error(s3::Code::InternalError, "rados: corrupt bucket record of " + std::string(name));
  BucketRecord r;
  r.id = j["id"].get<std::string>();
  r.info.name = std::string(name);
  r.info.created_ms = j.value("created_ms", int64_t{0});
  r.info.versioning = versioning_from_name(j.value("versioning", "Unversioned"));
  r.versioning_epoch = j.value("versioning_epoch", uint64_t{0});
  r.info.owner = j.value("owner", "");
  const auto packed = j.find("packed_list");
  r.packed_list = packed != j.end() && packed->is_boolean() && packed->get<bool>();
  return r;
}

// One page of entries of the root object starting with prefix, after start_after.
int root_page(Backend& b, const std::string& start_after, const std::string& prefix,
              std::map<std::string, bufferlist>& out, bool& more) {
  librados::ObjectReadOperation op;
  int rv = 0;
  op.omap_get_vals2(start_after, prefix, 1000, &out, &more, &rv);
  int r = b.index.operate(kRootObject, &op, nullptr);
  return r < 0 ? r : rv;
}

// Every config entry name of bucket.
s3::Result<std::set<std::string>> config_entries(Backend& b, std::string_view bucket) {
  std::set<std::string> names;
  std::string after;
  const std::string scope = config_scope(bucket);
  for (bool more = true; more;) {
    std::map<std::string, bufferlist> page;
    if (int r = root_page(b, after, scope, page, more); r < 0) return rados_error("list configs in", kRootObject, r);
    for (const auto& [k, v] : page) names.insert(k);
    if (page.empty()) break;
    after = page.rbegin()->first;
  }
  return names;
}

// Sets the shard's state from `from` to `to`; 0, -ECANCELED (not in `from`) or -ENOENT.
int flip_state(Backend& b, const std::string& oid, std::string_view from, std::string_view to) {
  librados::ObjectWriteOperation op;
  op.assert_exists();
  op.cmpxattr(kStateXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(from));
  op.setxattr(kStateXattr, to_bl(to));
  return b.index.operate(oid, &op);
}

// Whether the shard holds anything that makes the bucket non-empty: an object, a
// version or a write in flight (its intent). Uploads do not (AWS aborts them with the
// bucket), nor do GC entries.
s3::Result<bool> shard_has_entries(Backend& b, const std::string& oid) {
  librados::ObjectReadOperation op;
  std::map<std::string, bufferlist> found[3];
  bool more[3];
  int rv[3];
  const char* kinds[3] = {"O", "V", "I"};
  for (int i = 0; i < 3; ++i) op.omap_get_vals2("", kinds[i], 1, &found[i], &more[i], &rv[i]);
  int r = b.index.operate(oid, &op, nullptr);
  if (r == -ENOENT) return false;
  if (r < 0) return rados_error("read", oid, r);
  for (const auto& f : found)
    if (!f.empty()) return true;
  return false;
}

}  // namespace

s3::Result<BucketRecord> parse_bucket_record(std::string_view name, const std::string& value) {
  return decode_bucket(name, value);
}

s3::Result<StoredBucket> read_bucket(Backend& b, std::string_view name) {
  librados::ObjectReadOperation op;
  std::map<std::string, bufferlist> vals;
  int rv = 0;
  const std::string entry = bucket_entry(name);
  op.omap_get_vals_by_keys({entry}, &vals, &rv);
  int r = b.index.operate(kRootObject, &op, nullptr);
  if (r < 0) return rados_error("read", kRootObject, r);
  auto it = vals.find(entry);
  if (it == vals.end()) return no_such_bucket();
  StoredBucket out;
  out.raw = it->second.to_str();
  auto rec = decode_bucket(name, out.raw);
  if (!rec) return rec.error();
  out.record = std::move(*rec);
  return out;
}

s3::Status create_bucket(Backend& b, std::string_view name, std::string_view owner, int64_t now_ms) {
  BucketRecord rec;
  rec.id = random_id();
  rec.info = BucketInfo{std::string(name), now_ms, Versioning::Unversioned, std::string(owner)};
  rec.packed_list = true;  // its shards start empty: every O this gateway writes gets its delta
  // The shard first: a bucket record never names a shard that is not there.
  const std::string oid = shard_oid(rec.id);
  {
    librados::ObjectWriteOperation op;
    op.create(true);
    op.setxattr(kStateXattr, to_bl(kLive));
    if (int r = b.index.operate(oid, &op); r < 0) return rados_error("create shard", oid, r);
  }
  auto drop_shard = [&] { (void)b.index.remove(oid); };
  const std::string entry = bucket_entry(name);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    if (auto cur = read_bucket(b, name); cur) {
      drop_shard();
      if (cur->record.info.owner == owner)
        return s3::Error(s3::Code::BucketAlreadyOwnedByYou,
                         "Your previous request to create the named bucket succeeded and you already own it.");
      return s3::Error(s3::Code::BucketAlreadyExists,
                       "The requested bucket name is not available. The bucket namespace is shared by all users of "
                       "the system. Please select a different name and try again.");
    } else if (cur.error().code != s3::Code::NoSuchBucket) {
      drop_shard();
      return cur.error();
    }
    librados::ObjectWriteOperation op;
    int rv = 0;
    op.omap_cmp({{entry, {bufferlist(), LIBRADOS_CMPXATTR_OP_EQ}}}, &rv);
    op.omap_set({{entry, to_bl(encode_bucket(rec))}});
    int r = b.index.operate(kRootObject, &op);
    if (r == 0) return {};
    if (r != -ECANCELED) {
      drop_shard();
      return rados_error("create bucket in", kRootObject, r);
    }
    backoff(attempt);
  }
  drop_shard();
  return contention("CreateBucket");
}

s3::Status delete_bucket(Backend& b, std::string_view name) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto cur = read_bucket(b, name);
    if (!cur) return cur.error();
    auto map = load_shard_map(b, cur->record.id);
    if (!map) return map.error();
    std::vector<std::string> closed;
    auto reopen = [&] {
      for (const auto& oid : closed) (void)flip_state(b, oid, kClosing, kLive);
    };
    // 1. Close every shard: from now on every commit to them fails its state assertion.
    int r = 0;
    std::string busy_oid;
    for (const auto& range : map->ranges) {
      r = flip_state(b, range.shard.oid, kLive, kClosing);
      if (r == 0) closed.push_back(range.shard.oid);
      if (r != 0 && r != -ENOENT) {
        busy_oid = range.shard.oid;
        break;
      }
      r = 0;
    }
    if (r == -ECANCELED) {  // another DeleteBucket is at it, or a shard splits: wait for the outcome
      reopen();
      settle(b, name, busy_oid, attempt);  // finishes a dead gateway's split
      continue;
    }
    if (r < 0) {
      reopen();
      return rados_error("close shards of bucket", name, r);
    }
    // A split finished between reading the map and closing: its new shard is open.
    auto now = load_shard_map(b, cur->record.id);
    if (!now || now->gen != map->gen) {
      reopen();
      if (!now) return now.error();
      backoff(attempt);
      continue;
    }
    // 2. Empty? Otherwise reopen them.
    for (const auto& range : map->ranges) {
      auto busy = shard_has_entries(b, range.shard.oid);
      if (!busy || *busy) {
        reopen();
        if (!busy) return busy.error();
        return s3::Error(s3::Code::BucketNotEmpty, "The bucket you tried to delete is not empty");
      }
    }
    // 3. The record and its configs go in one op, guarded by the record as read.
    auto configs = config_entries(b, name);
    if (!configs) {
      reopen();
      return configs.error();
    }
    configs->insert(bucket_entry(name));
    librados::ObjectWriteOperation op;
    int rv = 0;
    op.omap_cmp({{bucket_entry(name), {to_bl(cur->raw), LIBRADOS_CMPXATTR_OP_EQ}}}, &rv);
    op.omap_rm_keys(*configs);
    r = b.index.operate(kRootObject, &op);
    if (r < 0) {
      reopen();
      if (r != -ECANCELED) return rados_error("remove bucket from", kRootObject, r);
      backoff(attempt);  // the owner changed meanwhile: decide again
      continue;
    }
    // 4. No record names the shards now: free the data of their uploads' parts and what
    // they still queue for GC, then them and the map.
    b.forget_bucket(name);
    for (const auto& range : map->ranges) {
      const std::string& oid = range.shard.oid;
      if (auto s = drop_all_parts(b, oid); !s) return s;
      if (auto s = drain_gc(b, oid); !s) return s;
      if (r = b.index.remove(oid); r < 0 && r != -ENOENT) return rados_error("remove shard", oid, r);
    }
    if (r = b.index.remove(map_oid(cur->record.id)); r < 0 && r != -ENOENT)
      return rados_error("remove shard map of bucket", name, r);
    // Its lifecycle lease (a worker holding it loses it at its next write).
    if (r = b.index.remove(lease_oid(cur->record.id)); r < 0 && r != -ENOENT)
      return rados_error("remove lifecycle lease of bucket", name, r);
    return {};
  }
  return contention("DeleteBucket");
}

s3::Result<std::vector<BucketInfo>> list_buckets(Backend& b) {
  std::vector<BucketInfo> out;
  std::string after;
  for (bool more = true; more;) {
    std::map<std::string, bufferlist> page;
    if (int r = root_page(b, after, "B", page, more); r < 0) return rados_error("list buckets in", kRootObject, r);
    for (const auto& [k, v] : page) {
      auto rec = decode_bucket(std::string_view(k).substr(1), v.to_str());
      if (!rec) return rec.error();
      out.push_back(std::move(rec->info));
    }
    if (page.empty()) break;
    after = page.rbegin()->first;
  }
  return out;
}

namespace {

// Applies change to the bucket's root entries in one op guarded by its record as
// read, retrying on -ECANCELED. change fills the op (and may refuse).
s3::Status update_root(Backend& b, std::string_view bucket, const char* what,
                       const std::function<s3::Status(StoredBucket&, librados::ObjectWriteOperation&)>& change) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto cur = read_bucket(b, bucket);
    if (!cur) return cur.error();
    librados::ObjectWriteOperation op;
    int rv = 0;
    op.omap_cmp({{bucket_entry(bucket), {to_bl(cur->raw), LIBRADOS_CMPXATTR_OP_EQ}}}, &rv);
    if (auto s = change(*cur, op); !s) return s;
    int r = b.index.operate(kRootObject, &op);
    if (r == 0) return {};
    if (r != -ECANCELED) return rados_error(what, kRootObject, r);
    backoff(attempt);
  }
  return contention(what);
}

}  // namespace

s3::Status set_bucket_owner(Backend& b, std::string_view name, std::string_view owner) {
  return update_root(b, name, "set bucket owner", [&](StoredBucket& cur, librados::ObjectWriteOperation& op) {
    cur.record.info.owner = std::string(owner);
    op.omap_set({{bucket_entry(name), to_bl(encode_bucket(cur.record))}});
    return s3::Status();
  });
}

s3::Status publish_versioning(Backend& b, std::string_view name, uint64_t epoch, Versioning state) {
  return update_root(b, name, "set bucket versioning", [&](StoredBucket& cur, librados::ObjectWriteOperation& op) {
    // A later change's copy stays (at one epoch, the shards' order: rados/versioning.h).
    if (cur.record.versioning_epoch > epoch ||
        (cur.record.versioning_epoch == epoch && versioning_name(cur.record.info.versioning) >= versioning_name(state)))
      return s3::Status();
    cur.record.versioning_epoch = epoch;
    cur.record.info.versioning = state;
    op.omap_set({{bucket_entry(name), to_bl(encode_bucket(cur.record))}});
    return s3::Status();
  });
}

s3::Status put_bucket_config(Backend& b, std::string_view bucket, std::string_view name, std::string_view value) {
  if (value.empty())  // an empty value would read back as "absent" in omap_cmp
    return s3::Error(s3::Code::MalformedXML, "The configuration document is empty.");
  return update_root(b, bucket, "put bucket config", [&](StoredBucket&, librados::ObjectWriteOperation& op) {
    op.omap_set({{config_entry(bucket, name), to_bl(value)}});
    return s3::Status();
  });
}

s3::Result<std::optional<std::string>> get_bucket_config(Backend& b, std::string_view bucket, std::string_view name) {
  librados::ObjectReadOperation op;
  std::map<std::string, bufferlist> vals;
  int rv = 0;
  const std::string be = bucket_entry(bucket), ce = config_entry(bucket, name);
  op.omap_get_vals_by_keys({be, ce}, &vals, &rv);
  if (int r = b.index.operate(kRootObject, &op, nullptr); r < 0) return rados_error("read", kRootObject, r);
  if (!vals.count(be)) return no_such_bucket();
  auto it = vals.find(ce);
  if (it == vals.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second.to_str());
}

s3::Status delete_bucket_config(Backend& b, std::string_view bucket, std::string_view name) {
  return update_root(b, bucket, "delete bucket config", [&](StoredBucket&, librados::ObjectWriteOperation& op) {
    op.omap_rm_keys({config_entry(bucket, name)});
    return s3::Status();
  });
}

}  // namespace silt::rados
