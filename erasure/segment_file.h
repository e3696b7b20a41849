// The byte format of a segment file: a drive's append-only log of the shards of
// small objects, each next to a copy of its object record (docs/format.md,
// "Segment files"). Small objects live here instead of in a data directory of
// their own, so a small PUT creates no inode. This file knows the format only;
// erasure/segment_store.h appends, and readers and rebuild-index decode.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "erasure/shard_file.h"
#include "index/object_record.h"

namespace silt {

inline constexpr size_t kSegmentHeaderSize = 32;   // file header
inline constexpr size_t kSegmentEntryHeader = 60;  // entry header, before the shard image
inline constexpr uint32_t kSegmentNoShard = 0xffffffffu;
// Shard images up to this size are read whole with their entry header when opened.
inline constexpr uint32_t kSegmentImagePrefetch = 16 * 1024;

enum class SegmentEntryKind : uint32_t {
  Shard = 1,   // a shard image followed by the object record
  Record = 2,  // the object record alone: a later version of the record (tags, metadata, vkey)
  Dead = 3,    // the data id was deleted or replaced: its entries are dead space
};

// One decoded entry, as a scan sees it.
struct SegmentEntry {
  SegmentEntryKind kind = SegmentEntryKind::Shard;
  uint32_t shard_index = kSegmentNoShard;
  std::string data_id;  // 32 hex
  uint64_t offset = 0;  // of the entry in its file
  uint32_t shard_len = 0;
  std::string record;  // the object record JSON (meta.json text)
  uint64_t bytes = 0;  // of the whole entry, header and CRCs included
  // The shard image (kind Shard): valid only while the scan's callback runs.
  std::string_view image;
};

// drive root + "/segments", and the file of segment `id` in it (16 hex digits + ".seg").
std::string segments_dir(const std::string& drive_root);
std::string segment_path(const std::string& drive_root, uint64_t id);
// The id a segment file name stands for; false for any other name.
bool parse_segment_name(std::string_view name, uint64_t& id);

std::string encode_segment_file_header(uint64_t id);
// One entry: header, shard image (empty for Record), record, record CRC.
std::string encode_segment_entry(SegmentEntryKind kind, uint32_t shard_index, const std::string& data_id,
                                 std::string_view shard_image, std::string_view record);

class SegmentFds;

// Opens the shard a SegmentRef names (through the descriptor cache fds, erasure/segment_fds.h;
// an image of at most kSegmentImagePrefetch bytes is read into memory at once), after checking that the entry there is
// intact and is shard `expect.shard_index` of data_id: anything else (another
// entry, a torn or damaged header) is an error, i.e. the shard counts as missing.
s3::Result<ShardFileReader> open_segment_shard(SegmentFds& fds, const std::string& drive_root, const SegmentRef& ref,
                                               const std::string& data_id, const ShardHeader& expect);

// Calls fn for every entry of the file at path in order, up to the first entry
// whose header or record does not check out (the torn tail of a crash, or
// damage: later entries are then not seen). An entry whose record fails its
// CRC is passed with an empty record (its shard has CRCs of its own). Returns the number of bytes of good entries
// (header included).
s3::Result<uint64_t> scan_segment(const std::string& path, const std::function<void(const SegmentEntry&)>& fn);

}  // namespace silt
