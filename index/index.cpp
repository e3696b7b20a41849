#include "index/index.h"

#include <leveldb/iterator.h>
#include <leveldb/options.h>

#include <functional>
#include <set>

#include "index/db_util.h"
#include "index/keys.h"
#include "index/listing_header.h"
#include "index/meta_json.h"

namespace silt {

using dbu::db_error;
using dbu::starts_with;

namespace {

const char* versioning_name(Versioning v) {
  switch (v) {
    case Versioning::Enabled: return "Enabled";
    case Versioning::Suspended: return "Suspended";
    case Versioning::Unversioned: break;
  }
  return "";
}

std::string encode_bucket(const BucketInfo& b) {
  nlohmann::json j = {{"name", b.name}, {"created_ms", b.created_ms}};
  if (b.versioning != Versioning::Unversioned) j["versioning"] = versioning_name(b.versioning);
  if (!b.owner.empty()) j["owner"] = b.owner;  // absent: the admin's (and every older record)
  return dump_json(j);
}

BucketInfo decode_bucket(std::string_view name, const std::string& value) {
  BucketInfo b;
  b.name = std::string(name);
  auto j = nlohmann::json::parse(value, nullptr, false);
  if (j.is_object()) {
    b.created_ms = j.value("created_ms", int64_t{0});
    std::string v = j.value("versioning", "");
    if (v == "Enabled") b.versioning = Versioning::Enabled;
    if (v == "Suspended") b.versioning = Versioning::Suspended;
    b.owner = j.value("owner", "");
  }
  return b;
}

}  // namespace

std::vector<std::string> data_ids_of(const ObjectRecord& rec) {
  std::set<std::string> ids;
  if (!rec.layout.data_id.empty()) ids.insert(rec.layout.data_id);
  for (const auto& p : rec.parts)
    if (!p.data_id.empty()) ids.insert(p.data_id);
  return {ids.begin(), ids.end()};
}

s3::Result<std::unique_ptr<Index>> Index::open(const std::string& dir) {
  leveldb::Options opts;
  opts.create_if_missing = true;
  leveldb::DB* raw = nullptr;
  leveldb::Status st = leveldb::DB::Open(opts, dir, &raw);
  if (!st.ok()) return db_error("open " + dir, st);
  return std::unique_ptr<Index>(new Index(std::unique_ptr<leveldb::DB>(raw)));
}

s3::Status Index::write(leveldb::WriteBatch& batch) {
  leveldb::WriteOptions wo;
  wo.sync = true;  // acknowledged means on disk
  leveldb::Status st = db_->Write(wo, &batch);
  if (!st.ok()) return db_error("write", st);
  return {};
}

std::optional<BucketInfo> Index::read_bucket(std::string_view name, const leveldb::ReadOptions& ro) {
  std::string v;
  if (!db_->Get(ro, keys::bucket(name), &v).ok()) return std::nullopt;
  return decode_bucket(name, v);
}

bool Index::bucket_exists(std::string_view name) {
  std::string v;
  return db_->Get(leveldb::ReadOptions(), keys::bucket(name), &v).ok();
}

bool Index::scope_empty(const std::string& prefix, std::string* err) {
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  it->Seek(prefix);
  bool empty = !(it->Valid() && starts_with(it->key(), prefix));
  if (!it->status().ok()) *err = it->status().ToString();
  return empty;
}

s3::Result<std::optional<ObjectRecord>> Index::read_record(const std::string& key) {
  std::string v;
  leveldb::Status st = db_->Get(leveldb::ReadOptions(), key, &v);
  if (st.IsNotFound()) return std::optional<ObjectRecord>();
  if (!st.ok()) return db_error("get", st);
  auto r = decode_object_record(v);
  if (!r) return r.error();
  return std::optional<ObjectRecord>(std::move(*r));
}

std::mutex& Index::key_lock(std::string_view bucket, std::string_view key) {
  size_t h = std::hash<std::string_view>{}(bucket)*31 + std::hash<std::string_view>{}(key);
  return key_mu_[h % key_mu_.size()];
}

s3::Status Index::create_bucket(std::string_view name, int64_t created_ms, std::string_view owner,
                                const NewBucket& init) {
  std::unique_lock lock(bucket_mu_);
  if (auto existing = read_bucket(name)) {
    // Decided under the lock, so of two users racing for a name the loser hears it is taken.
    if (existing->owner != owner)
      return s3::Error(s3::Code::BucketAlreadyExists, "The requested bucket name is not available.");
    return s3::Error(s3::Code::BucketAlreadyOwnedByYou, "bucket already exists");
  }
  leveldb::WriteBatch b;
  const std::string record = encode_bucket({std::string(name), created_ms, init.versioning, std::string(owner)});
  // rebuild-index keeps a config copy only for a bucket whose copy exists: the bucket's
  // goes last, so a crash in between leaves no bucket rather than one missing a document.
  for (const auto& [config, value] : init.configs) {
    if (mirror_)
      if (auto s = mirror_->before_put_config(name, config, value); !s) return s;
    b.Put(keys::config(name, config), value);
  }
  if (mirror_)
    if (auto s = mirror_->before_put_bucket(name, record); !s) return s;
  b.Put(keys::bucket(name), record);
  return write(b);
}

s3::Result<BucketInfo> Index::get_bucket(std::string_view name) {
  std::string v;
  leveldb::Status st = db_->Get(leveldb::ReadOptions(), keys::bucket(name), &v);
  if (st.IsNotFound()) return dbu::no_such_bucket();
  if (!st.ok()) return db_error("get", st);
  return decode_bucket(name, v);
}

s3::Result<std::vector<std::string>> Index::delete_bucket(std::string_view name) {
  // Exclusive: no part, completion or abort of this bucket's uploads runs meanwhile,
  // and one arriving later finds neither bucket nor upload and frees its own data.
  std::unique_lock lock(bucket_mu_);
  if (!bucket_exists(name)) return dbu::no_such_bucket();
  // Versions (delete markers included) keep a bucket alive; O mirrors the newest
  // V entry but is checked too for older indexes.
  std::string err;
  for (char kind : {keys::kObject, keys::kVersion}) {
    if (!scope_empty(keys::bucket_scope(kind, name), &err))
      return s3::Error(s3::Code::BucketNotEmpty, "The bucket you tried to delete is not empty");
    if (!err.empty()) return s3::Error(s3::Code::InternalError, "index iterate: " + err);
  }
  // Uploads in progress do not (AWS): they go with the bucket, in the same batch.
  leveldb::WriteBatch b;
  std::vector<std::string> upload_ids;
  std::vector<std::string> freed;
  const std::string uploads = keys::bucket_scope(keys::kUpload, name);
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(uploads); it->Valid() && starts_with(it->key(), uploads); it->Next()) {
    std::string_view k = dbu::view(it->key());
    if (k.size() <= keys::kUploadIdLen) continue;
    std::string upload_id(k.substr(k.size() - keys::kUploadIdLen));
    auto parts = read_parts(upload_id);
    if (!parts) return parts.error();
    for (const auto& p : *parts) {
      b.Delete(keys::part(upload_id, p.info.number));
      freed.push_back(p.layout.data_id);
    }
    b.Delete(it->key());
    upload_ids.push_back(std::move(upload_id));
  }
  if (!it->status().ok()) return db_error("iterate", it->status());
  if (mirror_) {
    // The mirror goes first, as for an abort: a crash in between cannot resurrect them.
    for (const auto& id : upload_ids)
      if (auto s = mirror_->before_abort_upload(id); !s) return s.error();
    if (auto s = mirror_->before_delete_bucket(name); !s) return s.error();
  }
  b.Delete(keys::bucket(name));
  const std::string cfg = keys::bucket_scope(keys::kConfig, name);
  for (it->Seek(cfg); it->Valid() && starts_with(it->key(), cfg); it->Next()) b.Delete(it->key());
  if (!it->status().ok()) return db_error("iterate", it->status());
  if (auto s = write(b); !s) return s.error();
  return freed;
}

s3::Result<std::vector<BucketInfo>> Index::list_buckets() {
  std::vector<BucketInfo> out;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  const std::string prefix(1, keys::kBucket);
  for (it->Seek(prefix); it->Valid() && starts_with(it->key(), prefix); it->Next()) {
    std::string_view name(it->key().data() + 1, it->key().size() - 1);
    out.push_back(decode_bucket(name, it->value().ToString()));
  }
  if (!it->status().ok()) return db_error("iterate", it->status());
  return out;
}

s3::Status Index::set_versioning(std::string_view name, Versioning state) {
  if (state == Versioning::Unversioned)
    return s3::Error(s3::Code::InvalidArgument, "Versioning can only be Enabled or Suspended");
  // Exclusive: commits read the state under the shared lock, so none straddles the change.
  std::unique_lock lock(bucket_mu_);
  auto b = read_bucket(name);
  if (!b) return dbu::no_such_bucket();
  if (b->versioning == state) return {};
  b->versioning = state;
  const std::string record = encode_bucket(*b);
  if (mirror_)
    if (auto s = mirror_->before_put_bucket(name, record); !s) return s;
  leveldb::WriteBatch wb;
  wb.Put(keys::bucket(name), record);
  return write(wb);
}

s3::Status Index::set_owner(std::string_view name, std::string_view owner) {
  std::unique_lock lock(bucket_mu_);
  auto b = read_bucket(name);
  if (!b) return dbu::no_such_bucket();
  if (b->owner == owner) return {};
  b->owner = std::string(owner);
  const std::string record = encode_bucket(*b);
  if (mirror_)
    if (auto s = mirror_->before_put_bucket(name, record); !s) return s;
  leveldb::WriteBatch wb;
  wb.Put(keys::bucket(name), record);
  return write(wb);
}

s3::Status Index::put_config(std::string_view bucket, std::string_view name, std::string_view value) {
  std::shared_lock lock(bucket_mu_);  // so it cannot outlive a concurrent delete_bucket
  if (!bucket_exists(bucket)) return dbu::no_such_bucket();
  std::lock_guard klock(key_lock(bucket, name));  // the drives' copy and the commit in the same order
  if (mirror_)
    if (auto s = mirror_->before_put_config(bucket, name, value); !s) return s;
  leveldb::WriteBatch b;
  b.Put(keys::config(bucket, name), leveldb::Slice(value.data(), value.size()));
  return write(b);
}

s3::Result<std::optional<std::string>> Index::get_config(std::string_view bucket, std::string_view name) {
  std::string v;
  leveldb::Status st = db_->Get(leveldb::ReadOptions(), keys::config(bucket, name), &v);
  if (st.ok()) return std::optional<std::string>(std::move(v));
  if (!st.IsNotFound()) return db_error("get", st);
  if (!bucket_exists(bucket)) return dbu::no_such_bucket();
  return std::optional<std::string>();
}

s3::Status Index::delete_config(std::string_view bucket, std::string_view name) {
  std::shared_lock lock(bucket_mu_);
  if (!bucket_exists(bucket)) return dbu::no_such_bucket();
  std::lock_guard klock(key_lock(bucket, name));
  if (mirror_)
    if (auto s = mirror_->before_delete_config(bucket, name); !s) return s;
  leveldb::WriteBatch b;
  b.Delete(keys::config(bucket, name));
  return write(b);
}

s3::Status Index::for_each_version_record(const std::function<void(const ObjectRecord&)>& fn) {
  dbu::Snapshot snap(db_.get());
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(snap.ro));
  const std::string prefix(1, keys::kVersion);
  for (it->Seek(prefix); it->Valid() && starts_with(it->key(), prefix); it->Next()) {
    ListingHeader h;
    std::string_view json;
    if (split_index_value(dbu::view(it->value()), &h, &json) && h.no_data) continue;
    auto rec = decode_object_record(dbu::view(it->value()));
    if (!rec) return rec.error();
    fn(*rec);
  }
  if (!it->status().ok()) return db_error("iterate", it->status());
  return {};
}

s3::Result<std::unordered_set<std::string>> Index::referenced_data_ids() {
  std::unordered_set<std::string> ids;
  dbu::Snapshot snap(db_.get());
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(snap.ro));
  for (char kind : {keys::kObject, keys::kVersion}) {
    const std::string prefix(1, kind);
    for (it->Seek(prefix); it->Valid() && starts_with(it->key(), prefix); it->Next()) {
      ListingHeader h;
      std::string_view json;
      if (split_index_value(dbu::view(it->value()), &h, &json) && h.no_data) continue;  // nothing to decode
      auto rec = decode_object_record(dbu::view(it->value()));
      if (!rec) return rec.error();
      for (auto& id : data_ids_of(*rec)) ids.insert(std::move(id));
    }
  }
  // Parts of uploads in progress.
  const std::string prefix(1, keys::kPart);
  for (it->Seek(prefix); it->Valid() && starts_with(it->key(), prefix); it->Next()) {
    auto p = decode_uploaded_part(dbu::view(it->value()));
    if (!p) return p.error();
    ids.insert(p->layout.data_id);
  }
  if (!it->status().ok()) return db_error("iterate", it->status());
  return ids;
}

}  // namespace silt
