// Multipart uploads in the index: U<bucket>\0<key>\0<upload id> per upload,
// P<upload id><part number> per part. All changes of one upload run under the
// key lock of its (bucket, key), so part commits, completion and abort are
// exact against each other.
#include <leveldb/iterator.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "index/db_util.h"
#include "index/index.h"
#include "index/keys.h"
#include "index/write_conditions.h"
#include "util/checksum.h"
#include "util/hash.h"

namespace silt {

using dbu::db_error;
using dbu::starts_with;

namespace {

s3::Error no_such_upload() {
  return s3::Error(s3::Code::NoSuchUpload,
                   "The specified multipart upload does not exist. The upload ID might be invalid, or the multipart "
                   "upload might have been aborted or completed.");
}

// S3's composite checksums of a multipart object: for every algorithm that all
// parts carry, the checksum of the concatenated binary part checksums, "-N".
// (CRC64NVME exists only as a full-object checksum, which would need the data.)
std::vector<std::pair<std::string, std::string>> composite_checksums(const std::vector<PartRecord>& parts) {
  std::vector<std::pair<std::string, std::string>> out;
  if (parts.empty()) return out;
  for (ChecksumAlgo a : {ChecksumAlgo::CRC32, ChecksumAlgo::CRC32C, ChecksumAlgo::SHA1, ChecksumAlgo::SHA256}) {
    const std::string_view name = checksum_algo_name(a);
    Checksummer sum(a);
    bool all = true;
    for (const auto& p : parts) {
      std::string raw;
      auto it = std::find_if(p.checksums.begin(), p.checksums.end(), [&](const auto& c) { return c.first == name; });
      if (it == p.checksums.end() || !base64_decode(it->second, raw)) {
        all = false;
        break;
      }
      sum.update(raw.data(), raw.size());
    }
    if (all) out.emplace_back(std::string(name), sum.finish_base64() + "-" + std::to_string(parts.size()));
  }
  return out;
}

// FULL_OBJECT checksums: the CRC of the whole body, combined from the part CRCs
// and sizes, for every CRC algorithm all parts carry.
std::vector<std::pair<std::string, std::string>> full_object_checksums(const std::vector<PartRecord>& parts) {
  std::vector<std::pair<std::string, std::string>> out;
  for (ChecksumAlgo a : {ChecksumAlgo::CRC32, ChecksumAlgo::CRC32C, ChecksumAlgo::CRC64NVME}) {
    const std::string_view name = checksum_algo_name(a);
    std::optional<uint64_t> crc;
    for (const auto& p : parts) {
      auto it = std::find_if(p.checksums.begin(), p.checksums.end(), [&](const auto& c) { return c.first == name; });
      auto part_crc = it == p.checksums.end() ? std::nullopt : crc_from_base64(a, it->second);
      if (!part_crc) {
        crc.reset();
        break;
      }
      crc = crc ? crc_combine(a, *crc, *part_crc, p.size) : part_crc;
    }
    if (crc) out.emplace_back(std::string(name), crc_to_base64(a, *crc));
  }
  return out;
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

s3::Result<Index::Completed> Index::complete_upload(std::string_view bucket, std::string_view key,
                                                    std::string_view upload_id, const std::vector<CompletedPart>& named,
                                                    const WriteConditions& cond) {
  std::shared_lock block(bucket_mu_);
  std::lock_guard klock(key_lock(bucket, key));
  auto binfo = read_bucket(bucket);
  if (!binfo) return dbu::no_such_bucket();
  auto upload = get_upload(bucket, key, upload_id);
  if (!upload) return upload.error();
  if (named.empty()) return s3::Error(s3::Code::MalformedXML, "You must specify at least one part");
  auto stored = read_parts(upload_id);
  if (!stored) return stored.error();
  std::map<int, const UploadedPart*> by_number;
  for (const auto& p : *stored) by_number[p.info.number] = &p;

  ObjectRecord rec;
  rec.info.bucket = std::string(bucket);
  rec.info.key = std::string(key);
  rec.info.meta = upload->meta;
  rec.upload_id = std::string(upload_id);
  rec.info.upload_id = rec.upload_id;
  const UploadedPart* first = nullptr;
  Digest md5s(Digest::Kind::MD5);
  int prev = 0;
  for (size_t i = 0; i < named.size(); ++i) {
    const CompletedPart& c = named[i];
    if (c.number <= prev)
      return s3::Error(s3::Code::InvalidPartOrder,
                       "The list of parts was not in ascending order. Parts must be ordered by part number.");
    prev = c.number;
    auto found = by_number.find(c.number);
    if (found == by_number.end() || found->second->info.etag != normalize_etag(c.etag))
      return s3::Error(s3::Code::InvalidPart,
                       "One or more of the specified parts could not be found. The part may not have been uploaded, "
                       "or the specified entity tag may not match the part's entity tag.")
          .with("PartNumber", std::to_string(c.number))
          .with("ETag", c.etag);
    const UploadedPart& p = *found->second;
    for (const auto& [algo, value] : c.checksums) {
      auto stored = std::find_if(p.info.checksums.begin(), p.info.checksums.end(),
                                 [&](const auto& sc) { return sc.first == algo; });
      if (stored == p.info.checksums.end() || stored->second != value)
        return s3::Error(s3::Code::InvalidPart, "The " + algo + " checksum of part " + std::to_string(c.number) +
                                                    " does not match the checksum of the uploaded part.")
            .with("PartNumber", std::to_string(c.number));
    }
    if (i + 1 < named.size() && p.info.size < kMinPartSize)
      return s3::Error(s3::Code::EntityTooSmall, "Your proposed upload is smaller than the minimum allowed size")
          .with("PartNumber", std::to_string(c.number))
          .with("ProposedSize", std::to_string(p.info.size))
          .with("MinSizeAllowed", std::to_string(kMinPartSize));
    if (i == 0) {
      first = &p;
      rec.layout = p.layout;
      rec.layout.data_id.clear();
      rec.layout.distribution.clear();
      rec.layout.stored = 0;
    }
    if (p.layout.k != rec.layout.k || p.layout.m != rec.layout.m || p.layout.block_size != rec.layout.block_size ||
        p.layout.pool != rec.layout.pool || p.layout.compression != rec.layout.compression)
      return s3::Error(s3::Code::InternalError,
                       "parts of upload " + std::string(upload_id) + " were written with different erasure layouts");
    std::string raw;
    if (!hex_decode(p.info.etag, raw)) return s3::Error(s3::Code::InternalError, "part record has a bad etag");
    md5s.update(raw);
    rec.info.size += p.info.size;
    rec.info.stored_bytes += p.layout.stored;
    rec.parts.push_back({p.info.number, p.info.size, p.info.etag, p.layout.data_id, p.layout.distribution,
                         p.info.checksums, p.layout.stored});
    rec.info.parts.push_back({p.info.number, p.info.size, p.info.etag, p.info.checksums});
  }
  rec.info.etag = hex_encode(md5s.finish()) + "-" + std::to_string(named.size());
  // Object-level checksums are the composites; checksums given at creation for
  // other algorithms (none can have been verified against data) are dropped.
  // CRC64NVME exists only as a full-object checksum, so it implies that type.
  bool full = rec.info.meta.checksum_type == "FULL_OBJECT";
  for (const auto& [algo, value] : rec.info.meta.checksums) full = full || algo == "CRC64NVME";
  rec.info.meta.checksums = full ? full_object_checksums(rec.parts) : composite_checksums(rec.parts);
  rec.info.meta.checksum_type = rec.info.meta.checksums.empty() ? "" : full ? "FULL_OBJECT" : "COMPOSITE";
  rec.info.mtime_ms = static_cast<int64_t>(dbu::now_us() / 1000);

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
