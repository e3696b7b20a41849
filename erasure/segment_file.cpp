#include "erasure/segment_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "erasure/fs.h"
#include "erasure/segment_fds.h"
#include "util/checksum.h"

namespace silt {
namespace {

constexpr char kFileMagic[8] = {'S', 'I', 'L', 'T', 'S', 'E', 'G', 'F'};
constexpr char kEntryMagic[8] = {'S', 'I', 'L', 'T', 'S', 'E', 'G', 'E'};
constexpr uint32_t kSegmentVersion = 1;
constexpr size_t kDataIdLen = 32;
// Larger entries are not ones silt wrote (a small object's shard is at most the
// inline threshold, which --inline-threshold caps at 1 MiB; records are a few KiB).
constexpr uint32_t kMaxShard = 64u << 20;
constexpr uint32_t kMaxRecord = 16u << 20;

void put32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
uint32_t get32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}
void put64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

bool is_hex_id(std::string_view s) {
  if (s.size() != kDataIdLen) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// Decodes the entry header at p (kSegmentEntryHeader bytes); false when it is not one.
bool decode_entry_header(const char* p, SegmentEntry& e, uint32_t& record_len) {
  if (std::memcmp(p, kEntryMagic, 8) != 0) return false;
  if (get32(p + 56) != crc32c(0, p, 56)) return false;
  const uint32_t kind = get32(p + 8);
  if (kind < static_cast<uint32_t>(SegmentEntryKind::Shard) || kind > static_cast<uint32_t>(SegmentEntryKind::Dead))
    return false;
  e.kind = static_cast<SegmentEntryKind>(kind);
  e.shard_index = get32(p + 12);
  e.data_id.assign(p + 16, kDataIdLen);
  e.shard_len = get32(p + 48);
  record_len = get32(p + 52);
  if (!is_hex_id(e.data_id) || e.shard_len > kMaxShard || record_len > kMaxRecord) return false;
  if (e.kind == SegmentEntryKind::Shard) return e.shard_index != kSegmentNoShard;
  return e.shard_index == kSegmentNoShard && e.shard_len == 0 &&
         (e.kind == SegmentEntryKind::Record || record_len == 0);
}

}  // namespace

std::string segments_dir(const std::string& drive_root) {
  return drive_root + "/segments";
}

std::string segment_path(const std::string& drive_root, uint64_t id) {
  char name[32];
  std::snprintf(name, sizeof name, "/%016llx.seg", static_cast<unsigned long long>(id));
  return segments_dir(drive_root) + name;
}

bool parse_segment_name(std::string_view name, uint64_t& id) {
  if (name.size() != 20 || !name.ends_with(".seg")) return false;
  id = 0;
  for (char c : name.substr(0, 16)) {
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return false;
    id = id << 4 | static_cast<uint64_t>(v);
  }
  return true;
}

std::string encode_segment_file_header(uint64_t id) {
  std::string h(kSegmentHeaderSize, '\0');
  std::memcpy(h.data(), kFileMagic, 8);
  put32(h.data() + 8, kSegmentVersion);
  put64(h.data() + 16, id);
  put32(h.data() + 28, crc32c(0, h.data(), 28));
  return h;
}

std::string encode_segment_entry(SegmentEntryKind kind, uint32_t shard_index, const std::string& data_id,
                                 std::string_view shard_image, std::string_view record) {
  std::string e(kSegmentEntryHeader, '\0');
  std::memcpy(e.data(), kEntryMagic, 8);
  put32(e.data() + 8, static_cast<uint32_t>(kind));
  put32(e.data() + 12, shard_index);
  std::memcpy(e.data() + 16, data_id.data(), std::min(data_id.size(), kDataIdLen));
  put32(e.data() + 48, static_cast<uint32_t>(shard_image.size()));
  put32(e.data() + 52, static_cast<uint32_t>(record.size()));
  put32(e.data() + 56, crc32c(0, e.data(), 56));
  e.reserve(e.size() + shard_image.size() + record.size() + 4);
  e.append(shard_image);
  e.append(record);
  char crc[4];
  put32(crc, crc32c(0, record.data(), record.size()));
  e.append(crc, 4);
  return e;
}

s3::Result<ShardFileReader> open_segment_shard(SegmentFds& fds, const std::string& drive_root, const SegmentRef& ref,
                                               const std::string& data_id, const ShardHeader& expect) {
  if (ref.length == 0) return s3::Error(s3::Code::InternalError, "no shard " + std::to_string(expect.shard_index));
  auto file = fds.open(drive_root, ref.segment);
  if (!file) return file.error();
  const std::string& path = (*file)->path;
  // A small image comes in the same read as its entry header (one pread, not three).
  const bool whole = !expect.variable && ref.length <= kSegmentImagePrefetch;
  std::string head(kSegmentEntryHeader + (whole ? ref.length : 0), '\0');
  if (auto s = fs::pread_all((*file)->fd.get(), head.data(), head.size(), ref.offset, path); !s) return s.error();
  SegmentEntry e;
  uint32_t record_len = 0;
  if (!decode_entry_header(head.data(), e, record_len) || e.kind != SegmentEntryKind::Shard || e.data_id != data_id ||
      e.shard_index != expect.shard_index || e.shard_len != ref.length)
    return s3::Error(s3::Code::InternalError, path + " at " + std::to_string(ref.offset) + ": not shard " +
                                                  std::to_string(expect.shard_index) + " of " + data_id);
  const uint64_t base = ref.offset + kSegmentEntryHeader;
  if (whole) return ShardFileReader::from_image(std::move(*file), base, std::move(head), kSegmentEntryHeader, expect);
  return ShardFileReader::open_at(std::move(*file), base, ref.length, expect);
}

s3::Result<uint64_t> scan_segment(const std::string& path, const std::function<void(const SegmentEntry&)>& fn) {
  auto text = fs::read_file(path);
  if (!text) return text.error();
  const std::string& b = *text;
  if (b.size() < kSegmentHeaderSize || std::memcmp(b.data(), kFileMagic, 8) != 0 ||
      get32(b.data() + 28) != crc32c(0, b.data(), 28))
    return s3::Error(s3::Code::InternalError, path + ": not a segment file");
  uint64_t at = kSegmentHeaderSize;
  while (b.size() - at >= kSegmentEntryHeader) {
    SegmentEntry e;
    uint32_t record_len = 0;
    if (!decode_entry_header(b.data() + at, e, record_len)) break;
    const uint64_t total = kSegmentEntryHeader + uint64_t{e.shard_len} + record_len + 4;
    if (b.size() - at < total) break;  // torn tail
    const char* rec = b.data() + at + kSegmentEntryHeader + e.shard_len;
    e.offset = at;
    e.bytes = total;
    e.image = std::string_view(b.data() + at + kSegmentEntryHeader, e.shard_len);
    at += total;
    // A damaged record copy is passed on empty: the shard beside it still counts.
    if (get32(rec + record_len) == crc32c(0, rec, record_len)) e.record.assign(rec, record_len);
    fn(e);
  }
  return at;
}

}  // namespace silt
