#include "index/write_conditions.h"

#include <cctype>

namespace silt {

namespace {

s3::Error precondition_failed() {
  return s3::Error(s3::Code::PreconditionFailed, "At least one of the pre-conditions you specified did not hold");
}

bool live(const std::optional<ObjectRecord>& cur) {
  return cur.has_value() && !cur->info.delete_marker;
}

}  // namespace

std::string normalize_etag(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '"') out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

s3::Status check_write_conditions(const std::optional<ObjectRecord>& cur, const WriteConditions& cond) {
  if (cond.existed_at_start.value_or(false) && !live(cur))
    return s3::Error(s3::Code::ConditionalRequestConflict,
                     "A conflicting operation occurred. If using PutObject you can retry the request. If using "
                     "multipart upload you should initiate another CreateMultipartUpload request and re-upload each "
                     "part.");
  if (cond.if_none_match_any && live(cur)) return precondition_failed();
  if (!cond.if_match.empty()) {
    std::string want = normalize_etag(cond.if_match);
    // S3 answers a conditional update of a key that does not exist with 404.
    if (!live(cur)) return s3::Error(s3::Code::NoSuchKey, "The specified key does not exist.");
    if (want != "*" && want != cur->info.etag) return precondition_failed();
  }
  return {};
}

s3::Status check_delete_conditions(const std::optional<ObjectRecord>& cur, const DeleteConditions& cond) {
  if (!live(cur)) {
    // If-Match asks that something be there; Size and LastModifiedTime only compare
    // what is (AWS: "if the object doesn't exist, the operation returns 204").
    if (!cond.if_match.empty()) return s3::Error(s3::Code::NoSuchKey, "The specified key does not exist.");
    return {};
  }
  const ObjectInfo& info = cur->info;
  if (!cond.if_match.empty()) {
    const std::string want = normalize_etag(cond.if_match);
    if (want != "*" && want != info.etag) return precondition_failed();
  }
  // Last-Modified travels with second resolution (HTTP dates; listings' .000Z).
  if (cond.mtime_s && *cond.mtime_s != info.mtime_ms / 1000) return precondition_failed();
  if (cond.size && (*cond.size < 0 || static_cast<uint64_t>(*cond.size) != info.size)) return precondition_failed();
  return {};
}

namespace {
s3::Error locked() {
  return s3::Error(s3::Code::AccessDenied, "Access Denied because object protected by object lock.");
}
}  // namespace

s3::Status check_version_removable(const ObjectRecord& rec, int64_t now_ms, bool bypass_governance) {
  const ObjectLock& l = rec.info.meta.lock;
  if (l.legal_hold) return locked();
  if (l.mode.empty() || l.retain_until_ms <= now_ms) return {};
  if (l.mode == "GOVERNANCE" && bypass_governance) return {};
  return locked();
}

s3::Result<ObjectLock> apply_lock_change(const ObjectLock& cur, const LockChange& change, int64_t now_ms) {
  ObjectLock out = cur;
  if (change.legal_hold) {
    out.legal_hold = *change.legal_hold;
    out.legal_hold_set = true;
  }
  if (!change.retention) return out;
  const ObjectLock& want = *change.retention;
  const bool in_force = !cur.mode.empty() && cur.retain_until_ms > now_ms;
  // Keeping the mode and not moving the date earlier never weakens a lock; neither does
  // raising GOVERNANCE to COMPLIANCE.
  const bool at_least_as_strong = !want.mode.empty() && want.retain_until_ms >= cur.retain_until_ms &&
                                  (want.mode == cur.mode || want.mode == "COMPLIANCE");
  if (in_force && !at_least_as_strong) {
    if (cur.mode == "COMPLIANCE" || !change.bypass_governance) return locked();
  }
  out.mode = want.mode;
  out.retain_until_ms = want.mode.empty() ? 0 : want.retain_until_ms;
  return out;
}

}  // namespace silt
