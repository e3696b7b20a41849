// The drives of one erasure set. Each drive is a directory holding
//   format.json          drive id, set id, its index in the set
//   healing.json         present while the drive is being rebuilt (docs/format.md)
//   tmp/<dataid>/        shards being written (cleared at startup)
//   data/<2 hex>/<dataid>/  committed shards and meta.json
// Empty drives are formatted on first use; a drive wiped while we run is
// re-formatted the next time something is written to it (or the drive monitor
// looks), and marked for healing: it holds none of the data the others have.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
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

// Online: serves reads and writes. Healing: formatted, takes writes, but is
// missing data the healer is restoring. Offline: not touched (missing,
// unreadable, or another drive than the one this slot had).
enum class DriveState { Online, Healing, Offline };
const char* drive_state_name(DriveState s);

class Drive {
 public:
  Drive(std::string root, DriveFormat f)
      : root_(std::move(root)), format_(std::move(f)), health_(std::make_shared<Health>()) {}
  const std::string& root() const { return root_; }
  const DriveFormat& format() const { return format_; }
  int index() const { return format_.index; }

  // Shared by the copies of this drive in pools that use the same drives.
  DriveState state() const { return health_->state.load(); }
  bool usable() const { return state() != DriveState::Offline; }
  std::string reason() const;  // why it is offline or healing
  void set_state(DriveState s, std::string reason) const;
  // Looks at the drive now: format.json matches, is missing (wiped or replaced:
  // formatted again and marked healing), or names another drive (offline).
  DriveState check() const;
  // The healer restored everything: removes healing.json.
  s3::Status finish_healing() const;

  std::string tmp_root() const { return root_ + "/tmp"; }
  std::string data_root() const { return root_ + "/data"; }
  std::string tmp_dir(const std::string& data_id) const { return tmp_root() + "/" + data_id; }
  // data/<first two hex digits>/<dataid>: fans out so no directory grows huge.
  std::string data_parent(const std::string& data_id) const { return data_root() + "/" + data_id.substr(0, 2); }
  std::string data_dir(const std::string& data_id) const { return data_parent(data_id) + "/" + data_id; }

  // Recreates format.json, tmp/ and data/ when missing (drive wiped while
  // running); a drive that had to be formatted again is marked healing.
  s3::Status ensure_ready(bool mark_healing = true) const;

 private:
  struct Health {
    std::atomic<DriveState> state{DriveState::Online};
    std::mutex mu;
    std::string reason;
  };
  std::string root_;
  DriveFormat format_;
  std::shared_ptr<Health> health_;
};

std::string encode_drive_format(const DriveFormat& f);
s3::Result<DriveFormat> decode_drive_format(const std::string& json);

// Loads every drive's format.json and puts each drive in the slot its format
// names (drives swapped between mount points keep working); formats the empty
// ones with the set id of the others (or a new one) into the free slots,
// marking them healing when the set already existed. A drive of another set,
// or claiming a slot another drive holds, is kept offline and never written.
// Up to max_unusable drives may be offline or fail to be prepared: uploads
// skip them and reads rebuild their shards.
s3::Result<std::vector<Drive>> open_drives(const std::vector<std::string>& roots, int max_unusable);

}  // namespace silt
