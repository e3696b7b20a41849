// One ListObjectVersions page, decided entry by entry: the rules both indexes share (the
// LevelDB index, index/index_listing.cpp, and the RADOS backend, rados/listing.cpp). Each
// walks its V entries in order (keys in byte order, a key's versions newest first, from
// where the markers say) and offers them here; this decides what the page holds, which
// common prefix to jump over, and when the page is full.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/object_model.h"

namespace silt {

class VersionPage {
 public:
  // resume_vkey: the vkey of key_marker's version named by version_id_marker ("" when
  // none: then every version of key_marker is skipped). latest_vkey_of(key) answers the
  // vkey of key's latest version; it is asked only for key_marker when resuming inside
  // its versions (otherwise the first version met of a key is its latest).
  VersionPage(std::string_view bucket, const VersionListParams& p, std::string resume_vkey,
              std::function<s3::Result<std::string>(const std::string& key)> latest_vkey_of);

  enum class Next {
    Advance,     // go on with the next entry
    SkipPrefix,  // go on past every entry of keys starting with skip_prefix()
    Done,        // the page is full (truncated)
  };
  // One V entry: `rest` is its name after the bucket's V scope ("<ekey>\0\1<vkey>"; a
  // malformed one is passed over), `value` its listing header + record.
  s3::Result<Next> offer(std::string_view rest, std::string_view value);
  const std::string& skip_prefix() const { return skip_; }

  // The page; the next markers only when it is truncated.
  VersionListResult finish();

 private:
  std::string bucket_;
  const VersionListParams& p_;
  std::string resume_vkey_;
  std::function<s3::Result<std::string>(const std::string&)> latest_vkey_of_;
  VersionListResult res_;
  int count_ = 0;
  bool have_key_ = false;
  std::string cur_key_, latest_vkey_, skip_;
};

}  // namespace silt
