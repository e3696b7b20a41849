// What the index tells the drives so that the drives alone can rebuild it
// (`silt admin rebuild-index`, docs/format.md "Drive mirror"). The index calls
// these under the same locks as the commit they describe, so the order of the
// copies on the drives is the order of the commits. Calls named before_* run
// before the synced index write and fail it when they fail; after_* calls run
// once the write is on disk and are best effort.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/object_model.h"
#include "index/object_record.h"
#include "index/upload_record.h"

namespace silt {

// Everything the drives mirror, as the index has it (Index::mirror_state).
struct MirrorState {
  struct Bucket {
    std::string record_json;                                   // the B value
    std::vector<std::pair<std::string, std::string>> configs;  // C name -> value
  };
  std::map<std::string, Bucket> buckets;
  std::vector<UploadInfo> uploads;
  std::vector<UploadedPart> parts;  // of the uploads in progress
};

class DriveMirror {
 public:
  virtual ~DriveMirror() = default;

  // record_json: the B value as the index stores it.
  virtual s3::Status before_put_bucket(std::string_view bucket, std::string_view record_json) = 0;
  virtual s3::Status before_delete_bucket(std::string_view bucket) = 0;
  virtual s3::Status before_put_config(std::string_view bucket, std::string_view name, std::string_view value) = 0;
  virtual s3::Status before_delete_config(std::string_view bucket, std::string_view name) = 0;

  virtual s3::Status before_create_upload(const UploadInfo& upload) = 0;
  // Abort: the mirror goes first, so a crash in between cannot resurrect the upload.
  virtual s3::Status before_abort_upload(std::string_view upload_id) = 0;
  // Completion: the object record (naming its upload) replaces the first part's
  // part record before the commit, so the drives never show both or neither.
  virtual s3::Status before_complete_upload(const ObjectRecord& object) = 0;
  // The completion commit failed after before_complete_upload: put the part record back.
  virtual void complete_upload_failed(const ObjectRecord& object, const UploadedPart& first_part) = 0;
  virtual void after_complete_upload(std::string_view upload_id) = 0;

  // A delete marker gets a data dir of its own (layout.data_id = new_data_id())
  // holding only its record, so it is freed and swept like any version's data.
  virtual std::string new_data_id() = 0;
  virtual s3::Status before_delete_marker(const ObjectRecord& marker) = 0;
};

}  // namespace silt
