// ErasureObjectLayer's multipart calls: parts are written by the ordinary
// object writer into data dirs of their own; completion only stitches records
// in the index (index/index_uploads.cpp), then frees what no record names.
#include "erasure/erasure_object_layer.h"
#include "erasure/object_reader.h"
#include "erasure/object_writer.h"
#include "util/time.h"

namespace silt {

s3::Result<UploadInfo> ErasureObjectLayer::create_upload(std::string_view bucket, std::string_view key,
                                                         const ObjectMeta& meta) {
  if (auto pool = class_pool(meta.storage_class); !pool) return pool.error();
  return set_->index->create_upload(bucket, key, meta, now_ms());
}

s3::Result<UploadInfo> ErasureObjectLayer::get_upload(std::string_view bucket, std::string_view key,
                                                      std::string_view upload_id) {
  return set_->index->get_upload(bucket, key, upload_id);
}

s3::Result<std::unique_ptr<ObjectWriter>> ErasureObjectLayer::create_part(std::string_view bucket, std::string_view key,
                                                                          std::string_view upload_id, int part_number) {
  if (part_number < 1 || part_number > kMaxPartNumber)
    return s3::Error(s3::Code::InvalidArgument, "Part number must be an integer between 1 and 10000, inclusive")
        .with("ArgumentName", "partNumber")
        .with("ArgumentValue", std::to_string(part_number));
  // Fail early; the part's commit checks again under the key lock.
  auto u = set_->index->get_upload(bucket, key, upload_id);
  if (!u) return u.error();
  auto pool = class_pool(u->meta.storage_class);
  if (!pool) return pool.error();
  return start_object_writer(
      *set_, **pool, WriteTarget{std::string(bucket), std::string(key), {}, std::string(upload_id), part_number});
}

s3::Result<PartList> ErasureObjectLayer::list_parts(std::string_view bucket, std::string_view key,
                                                    std::string_view upload_id, int after_part, int max_parts) {
  return set_->index->list_parts(bucket, key, upload_id, after_part, max_parts);
}

s3::Result<ObjectInfo> ErasureObjectLayer::complete_upload(std::string_view bucket, std::string_view key,
                                                           std::string_view upload_id,
                                                           const std::vector<CompletedPart>& parts,
                                                           const WriteConditions& cond, const CompleteClaims& claims) {
  auto c = set_->index->complete_upload(bucket, key, upload_id, parts, cond, claims);
  if (!c) return c.error();
  // The first part's meta.json already names the object: the index had the
  // drive mirror write it before the commit (SysMirror::before_complete_upload).
  set_->remove_data_ids(c->freed);
  return std::move(c->rec.info);
}

s3::Status ErasureObjectLayer::abort_upload(std::string_view bucket, std::string_view key, std::string_view upload_id) {
  auto freed = set_->index->abort_upload(bucket, key, upload_id);
  if (!freed) return freed.error();
  set_->remove_data_ids(*freed);
  return {};
}

s3::Result<UploadList> ErasureObjectLayer::list_uploads(std::string_view bucket, const UploadListParams& p) {
  return set_->index->list_uploads(bucket, p);
}

s3::Result<std::unique_ptr<ObjectReader>> ErasureObjectLayer::open_part(std::string_view bucket, std::string_view key,
                                                                        std::string_view upload_id, int part_number,
                                                                        uint64_t offset, uint64_t length,
                                                                        PartInfo* part) {
  if (part_number < 1 || part_number > kMaxPartNumber)
    return s3::Error(s3::Code::InvalidArgument, "Part number must be an integer between 1 and 10000, inclusive");
  // As open_object: the record and the files it names are read with no removal between
  // (a re-uploaded or completed part's data is removed under data_mu, exclusive).
  std::shared_lock lock(set_->data_mu);
  auto p = set_->index->get_part(bucket, key, upload_id, part_number);
  if (!p) return p.error();
  if (offset > p->info.size) return s3::Error(s3::Code::InvalidRange, "The requested range is not satisfiable");
  length = std::min(length, p->info.size - offset);
  // The part read as a completed object reads it: a record of one part in its own data dir.
  ObjectRecord rec;
  rec.info.bucket = std::string(bucket);
  rec.info.key = std::string(key);
  rec.info.size = p->info.size;
  rec.info.etag = p->info.etag;
  rec.layout = p->layout;
  rec.layout.data_id.clear();
  rec.layout.distribution.clear();
  rec.parts.push_back({part_number, p->info.size, p->info.etag, p->layout.data_id, p->layout.distribution, {}, 0});
  if (part) *part = p->info;
  return open_object_reader(*set_, rec, offset, length);
}

}  // namespace silt
