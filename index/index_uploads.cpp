// Multipart uploads in the index: U<bucket>\0<key>\0<upload id> per upload,
// P<upload id><part number> per part. All changes of one upload run under the
// key lock of its (bucket, key), so part commits, completion and abort are
// exact against each other.
#include <leveldb/iterator.h>

#include "index/db_util.h"
#include "index/index.h"
#include "index/keys.h"
#include "index/multipart_record.h"

namespace silt {

using dbu::db_error;
using dbu::starts_with;

namespace {

s3::Error no_such_upload() {
  return s3::Error(s3::Code::NoSuchUpload,
                   "The specified multipart upload does not exist. The upload ID might be invalid, or the multipart "
                   "upload might have been aborted or completed.");
}
}  // namespace

s3::Result<UploadInfo> Index::create_upload(std::string_view bucket, std::string_view key, const ObjectMeta& meta,
                                            int64_t now_ms) {
  std::shared_lock block(bucket_mu_);
  if (!bucket_exists(bucket)) return dbu::no_such_bucket();
  UploadInfo u{std::string(bucket), std::string(key), keys::make_upload_id(dbu::now_us()), now_ms, meta};
  if (mirror_)
    if (auto s = mirror_->before_create_upload(u); !s) return s.error();
  leveldb::WriteBatch b;
  b.Put(keys::upload(bucket, key, u.upload_id), encode_upload_info(u));
  if (auto s = write(b); !s) return s.error();
  return u;
}

s3::Result<UploadInfo> Index::get_upload(std::string_view bucket, std::string_view key, std::string_view upload_id) {
  std::string v;
  leveldb::Status st = keys::is_upload_id(upload_id)
                           ? db_->Get(leveldb::ReadOptions(), keys::upload(bucket, key, upload_id), &v)
                           : leveldb::Status::NotFound("malformed upload id");
  if (st.IsNotFound()) {
    if (!bucket_exists(bucket)) return dbu::no_such_bucket();
    return no_such_upload();
  }
  if (!st.ok()) return db_error("get", st);
  auto u = decode_upload_info(v);
  if (!u) return u.error();
  u->bucket = std::string(bucket);
  u->key = std::string(key);
  u->upload_id = std::string(upload_id);
  return u;
}

s3::Result<std::vector<UploadedPart>> Index::read_parts(std::string_view upload_id) {
  std::vector<UploadedPart> out;
  const std::string prefix = keys::parts_of(upload_id);
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && starts_with(it->key(), prefix); it->Next()) {
    auto p = decode_uploaded_part(dbu::view(it->value()));
    if (!p) return p.error();
    out.push_back(std::move(*p));
  }
  if (!it->status().ok()) return db_error("iterate", it->status());
  return out;
}

s3::Result<std::optional<UploadedPart>> Index::put_part(const UploadedPart& p) {
  std::shared_lock block(bucket_mu_);
  std::lock_guard klock(key_lock(p.bucket, p.key));
  if (auto u = get_upload(p.bucket, p.key, p.upload_id); !u) return u.error();
  const std::string k = keys::part(p.upload_id, p.info.number);
  std::optional<UploadedPart> old;
  std::string v;
  leveldb::Status st = db_->Get(leveldb::ReadOptions(), k, &v);
  if (st.ok()) {
    auto o = decode_uploaded_part(v);
    if (!o) return o.error();
    old = std::move(*o);
  } else if (!st.IsNotFound()) {
    return db_error("get", st);
  }
  leveldb::WriteBatch b;
  b.Put(k, encode_uploaded_part(p));
  if (auto s = write(b); !s) return s.error();
  return old;
}

s3::Result<PartList> Index::list_parts(std::string_view bucket, std::string_view key, std::string_view upload_id,
                                       int after_part, int max_parts) {
  dbu::Snapshot snap(db_.get());
  auto u = get_upload(bucket, key, upload_id);
  if (!u) return u.error();
  PartList out;
  out.upload = std::move(*u);
  if (max_parts <= 0) return out;
  const std::string prefix = keys::parts_of(upload_id);
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(snap.ro));
  for (it->Seek(keys::part(upload_id, std::max(after_part, 0) + 1)); it->Valid() && starts_with(it->key(), prefix);
       it->Next()) {
    if (static_cast<int>(out.parts.size()) == max_parts) {
      out.truncated = true;
      break;
    }
    auto p = decode_uploaded_part(dbu::view(it->value()));
    if (!p) return p.error();
    out.parts.push_back(std::move(p->info));
  }
  if (!it->status().ok()) return db_error("iterate", it->status());
  if (out.truncated) out.next_marker = out.parts.back().number;
  return out;
}

s3::Result<UploadedPart> Index::get_part(std::string_view bucket, std::string_view key, std::string_view upload_id,
                                         int number) {
  dbu::Snapshot snap(db_.get());
  auto u = get_upload(bucket, key, upload_id);
  if (!u) return u.error();
  std::string v;
  leveldb::Status st = db_->Get(snap.ro, keys::part(upload_id, number), &v);
  if (st.IsNotFound())
    return s3::Error(s3::Code::InvalidPart, "Part " + std::to_string(number) + " of this upload was not uploaded.");
  if (!st.ok()) return db_error("get", st);
  return decode_uploaded_part(v);
}

s3::Result<Index::Completed> Index::complete_upload(std::string_view bucket, std::string_view key,
                                                    std::string_view upload_id, const std::vector<CompletedPart>& named,
                                                    const WriteConditions& cond, const CompleteClaims& claims) {
  std::shared_lock block(bucket_mu_);
  std::lock_guard klock(key_lock(bucket, key));
  auto binfo = read_bucket(bucket);
  if (!binfo) return dbu::no_such_bucket();
  auto upload = get_upload(bucket, key, upload_id);
  if (!upload) return upload.error();
  if (named.empty()) return s3::Error(s3::Code::MalformedXML, "You must specify at least one part");
  auto stored = read_parts(upload_id);
  if (!stored) return stored.error();
  auto made = assemble_multipart(*upload, named, *stored, static_cast<int64_t>(dbu::now_us() / 1000), claims);
  if (!made) return made.error();
  ObjectRecord rec = std::move(*made);
  const UploadedPart* first = nullptr;
  for (const auto& p : *stored)
    if (p.layout.data_id == rec.parts.front().data_id) first = &p;
  Completed out;
  std::vector<ObjectRecord> replaced;
  leveldb::WriteBatch b;
  if (auto s = commit_locked(rec, *binfo, cond, b, replaced); !s) return s.error();
  // The upload and all its part records go in the same batch as the object:
  // after a crash either the upload or the object exists, never both or neither.
  b.Delete(keys::upload(bucket, key, upload_id));
  for (const auto& p : *stored) {
    b.Delete(keys::part(upload_id, p.info.number));
    bool used = false;
    for (const auto& rp : rec.parts) used = used || rp.data_id == p.layout.data_id;
    if (!used) out.freed.push_back(p.layout.data_id);
  }
  if (mirror_)
    if (auto s = mirror_->before_complete_upload(rec); !s) return s.error();
  if (auto s = write(b); !s) {
    if (mirror_) mirror_->complete_upload_failed(rec, *first);
    return s.error();
  }
  if (mirror_) mirror_->after_complete_upload(upload_id);
  for (const auto& r : replaced)
    for (auto& id : data_ids_of(r)) out.freed.push_back(std::move(id));
  out.rec = std::move(rec);
  return out;
}

s3::Result<std::vector<std::string>> Index::abort_upload(std::string_view bucket, std::string_view key,
                                                         std::string_view upload_id) {
  std::shared_lock block(bucket_mu_);
  std::lock_guard klock(key_lock(bucket, key));
  if (auto u = get_upload(bucket, key, upload_id); !u) return u.error();
  auto stored = read_parts(upload_id);
  if (!stored) return stored.error();
  if (mirror_)
    if (auto s = mirror_->before_abort_upload(upload_id); !s) return s.error();
  leveldb::WriteBatch b;
  b.Delete(keys::upload(bucket, key, upload_id));
  std::vector<std::string> freed;
  for (const auto& p : *stored) {
    b.Delete(keys::part(upload_id, p.info.number));
    freed.push_back(p.layout.data_id);
  }
  if (auto s = write(b); !s) return s.error();
  return freed;
}

}  // namespace silt
