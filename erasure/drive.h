// The drives of one erasure set. Each drive is a directory holding
//   format.json          drive id, set id, its index in the set
//   tmp/<dataid>/        shards being written (cleared at startup)
//   data/<2 hex>/<dataid>/  committed shards and meta.json
// Empty drives are formatted on first use; a drive wiped while we run is
// re-formatted the next time something is written to it.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"

namespace silt {

struct DriveFormat {
  std::string set_id;
  std::string drive_id;
  int index = 0;
  int drive_count = 0;
};

class Drive {
 public:
  Drive(std::string root, DriveFormat f) : root_(std::move(root)), format_(std::move(f)) {}
  const std::string& root() const { return root_; }
  const DriveFormat& format() const { return format_; }
  int index() const { return format_.index; }

  std::string tmp_root() const { return root_ + "/tmp"; }
  std::string data_root() const { return root_ + "/data"; }
  std::string tmp_dir(const std::string& data_id) const { return tmp_root() + "/" + data_id; }
  // data/<first two hex digits>/<dataid>: fans out so no directory grows huge.
  std::string data_parent(const std::string& data_id) const { return data_root() + "/" + data_id.substr(0, 2); }
  std::string data_dir(const std::string& data_id) const { return data_parent(data_id) + "/" + data_id; }

  // Recreates format.json, tmp/ and data/ when missing (drive wiped while running).
  s3::Status ensure_ready() const;

 private:
  std::string root_;
  DriveFormat format_;
};

std::string encode_drive_format(const DriveFormat& f);
s3::Result<DriveFormat> decode_drive_format(const std::string& json);

// Loads every drive's format.json, formats the empty ones with the set id of the
// others (or a new one), and refuses drives that belong to another set or sit at
// another position than their format says. Up to max_unusable drives may fail
// to be prepared (unwritable, broken disk): they are kept in the set, uploads
// skip them and reads rebuild their shards.
s3::Result<std::vector<Drive>> open_drives(const std::vector<std::string>& roots, int max_unusable);

}  // namespace silt
