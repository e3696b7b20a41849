#include "index/write_conditions.h"

#include <cctype>

namespace silt {

std::string normalize_etag(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '"') out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

s3::Status check_write_conditions(const std::optional<ObjectRecord>& cur, const WriteConditions& cond) {
  const bool live = cur.has_value() && !cur->info.delete_marker;
  if (cond.existed_at_start.value_or(false) && !live)
    return s3::Error(s3::Code::ConditionalRequestConflict,
                     "A conflicting operation occurred. If using PutObject you can retry the request. If using "
                     "multipart upload you should initiate another CreateMultipartUpload request and re-upload each "
                     "part.");
  if (cond.if_none_match_any && live)
    return s3::Error(s3::Code::PreconditionFailed, "At least one of the pre-conditions you specified did not hold");
  if (!cond.if_match.empty()) {
    std::string want = normalize_etag(cond.if_match);
    // S3 answers a conditional update of a key that does not exist with 404.
    if (!live) return s3::Error(s3::Code::NoSuchKey, "The specified key does not exist.");
    if (want != "*" && want != cur->info.etag)
      return s3::Error(s3::Code::PreconditionFailed, "At least one of the pre-conditions you specified did not hold");
  }
  return {};
}

}  // namespace silt
