#include "index/index_builder.h"

#include <leveldb/options.h>

#include "index/db_util.h"
#include "index/keys.h"
#include "index/listing_header.h"

namespace silt {

namespace {
constexpr size_t kBatchEntries = 1000;

// Bulk loads (rebuild-index, silt-load-index) write millions of entries at once: a large
// memtable means fewer, bigger level-0 files and far less compaction while loading.
leveldb::Options bulk_options() {
  leveldb::Options opts;
  opts.write_buffer_size = 64 << 20;
  return opts;
}
}  // namespace

s3::Result<std::unique_ptr<IndexBuilder>> IndexBuilder::create(const std::string& dir) {
  leveldb::Options opts = bulk_options();
  opts.create_if_missing = true;
  opts.error_if_exists = true;
  leveldb::DB* raw = nullptr;
  leveldb::Status st = leveldb::DB::Open(opts, dir, &raw);
  if (!st.ok()) return dbu::db_error("create " + dir, st);
  return std::unique_ptr<IndexBuilder>(new IndexBuilder(std::unique_ptr<leveldb::DB>(raw)));
}

s3::Result<std::unique_ptr<IndexBuilder>> IndexBuilder::append(const std::string& dir) {
  leveldb::Options opts = bulk_options();
  leveldb::DB* raw = nullptr;
  leveldb::Status st = leveldb::DB::Open(opts, dir, &raw);
  if (!st.ok()) return dbu::db_error("open " + dir, st);
  return std::unique_ptr<IndexBuilder>(new IndexBuilder(std::unique_ptr<leveldb::DB>(raw)));
}

s3::Status IndexBuilder::put(const std::string& key, std::string_view value) {
  batch_.Put(key, leveldb::Slice(value.data(), value.size()));
  if (++pending_ >= kBatchEntries) return flush(false);
  return {};
}

s3::Status IndexBuilder::flush(bool sync) {
  leveldb::WriteOptions wo;
  wo.sync = sync;
  leveldb::Status st = db_->Write(wo, &batch_);
  batch_.Clear();
  pending_ = 0;
  if (!st.ok()) return dbu::db_error("write", st);
  return {};
}

s3::Status IndexBuilder::put_bucket(std::string_view name, std::string_view record_json) {
  return put(keys::bucket(name), record_json);
}

s3::Status IndexBuilder::put_config(std::string_view bucket, std::string_view name, std::string_view value) {
  return put(keys::config(bucket, name), value);
}

s3::Status IndexBuilder::put_key_versions(const std::vector<ObjectRecord>& newest_first) {
  for (size_t i = 0; i < newest_first.size(); ++i) {
    const ObjectRecord& r = newest_first[i];
    const std::string json = plain_json_ ? encode_object_record(r) : encode_index_record(r);
    if (auto s = put(keys::version(r.info.bucket, r.info.key, r.version_key), json); !s) return s;
    if (i == 0)
      if (auto s = put(keys::object(r.info.bucket, r.info.key), json); !s) return s;
  }
  return {};
}

s3::Status IndexBuilder::put_upload(const UploadInfo& u) {
  return put(keys::upload(u.bucket, u.key, u.upload_id), encode_upload_info(u));
}

s3::Status IndexBuilder::put_part(const UploadedPart& p) {
  return put(keys::part(p.upload_id, p.info.number), encode_uploaded_part(p));
}

s3::Status IndexBuilder::finish() {
  auto s = flush(true);
  db_.reset();
  return s;
}

}  // namespace silt
