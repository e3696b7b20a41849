#include "rados/import_uploads.h"

#include <map>
#include <string>

#include "rados/uploads.h"
#include "rados/writer.h"
#include "util/hash.h"

namespace silt::rados {

namespace {

bool same_part(const PartInfo& a, const PartInfo& b) {
  return a.etag == b.etag && a.size == b.size && a.mtime_ms == b.mtime_ms && a.checksums == b.checksums;
}

// One part's bytes through a part writer, committed with the source's ETag, mtime and
// checksums. Plain bytes must hash to the ETag; an SSE part's are ciphertext (its ETag is
// the plaintext's), so only its size is checked.
s3::Status copy_part(Backend& b, DataPool& pool, const UploadInfo& u, const PartInfo& p, const PartSource& data) {
  auto w = start_part_writer(b, pool, u.bucket, u.key, u.upload_id, p.number, &p);
  if (!w) return w.error();
  ObjectWriter& writer = **w;
  const bool plain = u.meta.sse.empty();
  auto s = data(
      p, [&writer, plain](const char* d, size_t n) { return plain ? writer.write(d, n) : writer.write_data(d, n); });
  if (!s) return s;
  if (writer.size() != p.size || (plain && hex_encode(writer.md5_raw()) != p.etag))
    return s3::Error(s3::Code::InternalError, "part " + std::to_string(p.number) + " of upload " + u.upload_id +
                                                  " changed while it was copied; run the migration again");
  ObjectMeta meta;
  meta.checksums = p.checksums;
  if (auto c = writer.commit(meta); !c) return c.error();  // an uncommitted writer frees its data
  return {};
}

}  // namespace

s3::Status import_upload(Backend& b, const UploadInfo& u, const std::vector<PartInfo>& parts, const PartSource& data,
                         UploadImportStats& stats) {
  DataPool* pool = b.pool_for_class(u.meta.storage_class);
  if (!pool)
    return s3::Error(s3::Code::InvalidStorageClass, "storage class " + u.meta.storage_class + " of the upload of " +
                                                        u.key + " is not mapped to a pool of this cluster");
  auto had = get_upload(b, u.bucket, u.key, u.upload_id);
  if (!had && had.error().code != s3::Code::NoSuchUpload) return had.error();
  if (!had) {
    if (auto s = adopt_upload(b, u); !s) return s;
    ++stats.uploads;
  }
  std::map<int, PartInfo> held;
  if (had) {
    auto list = list_parts(b, u.bucket, u.key, u.upload_id, 0, kMaxPartNumber);
    if (!list) return list.error();
    for (auto& p : list->parts) held.emplace(p.number, std::move(p));
  }
  for (const PartInfo& p : parts) {
    if (auto it = held.find(p.number); it != held.end() && same_part(it->second, p)) {
      ++stats.parts_same;
      continue;
    }
    if (auto s = copy_part(b, *pool, u, p, data); !s) return s;
    ++stats.parts;
    stats.bytes += p.size;
  }
  return {};
}

}  // namespace silt::rados
