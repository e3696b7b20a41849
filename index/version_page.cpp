#include "index/version_page.h"

#include "index/keys.h"
#include "index/listing_header.h"
#include "index/object_record.h"

namespace silt {

VersionPage::VersionPage(std::string_view bucket, const VersionListParams& p, std::string resume_vkey,
                         std::function<s3::Result<std::string>(const std::string& key)> latest_vkey_of)
    : bucket_(bucket), p_(p), resume_vkey_(std::move(resume_vkey)), latest_vkey_of_(std::move(latest_vkey_of)) {}

s3::Result<VersionPage::Next> VersionPage::offer(std::string_view rest, std::string_view value) {
  std::string key;
  std::string_view vkey;
  if (!keys::split_tail(rest, keys::kVersionKeyLen, key, vkey)) return Next::Advance;
  if (std::string cp = keys::common_prefix(key, p_.prefix, p_.delimiter); !cp.empty()) {
    if (cp > p_.key_marker) {  // one at or before the marker was returned on an earlier page
      if (count_ == p_.max_keys) {
        res_.truncated = true;
        return Next::Done;
      }
      res_.prefixes.push_back(cp);
      res_.next_key_marker = cp;
      res_.next_version_id_marker.clear();
      ++count_;
    }
    skip_ = std::move(cp);
    return Next::SkipPrefix;
  }
  if (!p_.key_marker.empty() &&
      (key < p_.key_marker || (key == p_.key_marker && (resume_vkey_.empty() || vkey <= resume_vkey_))))
    return Next::Advance;
  if (count_ == p_.max_keys) {
    res_.truncated = true;
    return Next::Done;
  }
  if (!have_key_ || key != cur_key_) {
    // The first version met of a key is its newest, unless we resumed inside it.
    cur_key_ = key;
    have_key_ = true;
    latest_vkey_ = std::string(vkey);
    if (!resume_vkey_.empty() && key == p_.key_marker) {
      auto latest = latest_vkey_of_(key);
      if (!latest) return latest.error();
      latest_vkey_ = std::move(*latest);
    }
  }
  ObjectInfo info;
  if (p_.listing_fields_only) {
    if (auto s = decode_listing_fields(value, info); !s)
      return s3::Error(s3::Code::InternalError, "index version of key " + key + ": " + s.error().message);
  } else {
    auto rec = decode_object_record(value);
    if (!rec) return s3::Error(s3::Code::InternalError, "index version of key " + key + ": " + rec.error().message);
    info = std::move(rec->info);
  }
  info.bucket = bucket_;
  info.key = key;
  info.is_latest = vkey == latest_vkey_;
  res_.next_key_marker = key;
  res_.next_version_id_marker = info.version_id;
  res_.versions.push_back(std::move(info));
  ++count_;
  return Next::Advance;
}

VersionListResult VersionPage::finish() {
  if (!res_.truncated) {
    res_.next_key_marker.clear();
    res_.next_version_id_marker.clear();
  }
  return std::move(res_);
}

}  // namespace silt
