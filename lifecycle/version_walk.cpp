#include "lifecycle/version_walk.h"

#include <optional>

#include "common/encrypted_size.h"

namespace silt::lifecycle {

ObjectState state_of(const ObjectInfo& v, bool versioned) {
  ObjectState s;
  s.key = v.key;
  s.size = client_size(v);  // size filters compare what the client stored, as AWS
  s.tags = v.meta.tags;
  s.mtime_ms = v.mtime_ms;
  s.is_latest = v.is_latest;
  s.delete_marker = v.delete_marker;
  s.storage_class = v.meta.storage_class.empty() ? "STANDARD" : v.meta.storage_class;
  s.versioned_bucket = versioned;
  return s;
}

s3::Result<bool> walk_versions(ObjectLayer& objects, const std::string& bucket, bool versioned, const WalkOptions& opt,
                               const std::function<bool(const ObjectInfo&, const ObjectState&)>& fn) {
  // Per key: the versions come newest first, so each one's "noncurrent since"
  // is the mtime of the one before it. A latest delete marker waits until we
  // know whether other versions follow it.
  std::string key;
  int64_t newer_mtime = 0;
  int noncurrent_seen = 0;
  bool first_key = true;
  std::optional<std::pair<ObjectInfo, ObjectState>> pending;
  std::string done_key = opt.start_after_key;
  auto flush = [&](bool alone) {
    if (!pending) return true;
    pending->second.only_version = alone;
    bool go = fn(pending->first, pending->second);
    pending.reset();
    return go;
  };
  VersionWalkOptions walk;
  walk.start_after_key = opt.start_after_key;
  walk.page_size = opt.page_size;
  if (opt.after_page) walk.between_pages = [&] { return opt.after_page(done_key); };
  auto walked = for_each_version(
      objects, bucket,
      [&](const ObjectInfo& v) {
        if (first_key || v.key != key) {
          if (!flush(true)) return false;
          if (!first_key) done_key = key;
          first_key = false;
          key = v.key;
          noncurrent_seen = 0;
          newer_mtime = 0;
        } else if (!flush(false)) {
          return false;
        }
        ObjectState s = state_of(v, versioned);
        if (!v.is_latest) {
          s.noncurrent_since_ms = newer_mtime ? newer_mtime : v.mtime_ms;
          s.newer_noncurrent = noncurrent_seen++;
        }
        newer_mtime = v.mtime_ms;
        if (v.delete_marker && v.is_latest) {
          pending.emplace(v, std::move(s));
          return true;
        }
        return fn(v, s);
      },
      walk);
  if (!walked) return walked.error();
  if (!*walked) return false;
  if (!flush(true)) return false;
  if (opt.after_page && !first_key) opt.after_page(key);
  return true;
}

}  // namespace silt::lifecycle
