#include "index/index.h"

#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/write_batch.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>

#include "index/keys.h"

namespace silt {
namespace {

s3::Error db_error(std::string_view what, const leveldb::Status& st) {
  return s3::Error(s3::Code::InternalError, "index " + std::string(what) + ": " + st.ToString());
}

bool starts_with(const leveldb::Slice& s, std::string_view p) {
  return s.size() >= p.size() && std::string_view(s.data(), p.size()) == p;
}

std::string encode_bucket(const BucketInfo& b) {
  return nlohmann::json{{"name", b.name}, {"created_ms", b.created_ms}}.dump(-1, ' ', false,
                                                                             nlohmann::json::error_handler_t::replace);
}

BucketInfo decode_bucket(std::string_view name, const std::string& value) {
  BucketInfo b;
  b.name = std::string(name);
  auto j = nlohmann::json::parse(value, nullptr, false);
  if (j.is_object()) b.created_ms = j.value("created_ms", int64_t{0});
  return b;
}

}  // namespace

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

bool Index::bucket_exists(std::string_view name) {
  std::string v;
  return db_->Get(leveldb::ReadOptions(), keys::bucket(name), &v).ok();
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
  size_t h = std::hash<std::string_view>{}(bucket) * 31 + std::hash<std::string_view>{}(key);
  return key_mu_[h % key_mu_.size()];
}

s3::Status Index::create_bucket(std::string_view name, int64_t created_ms) {
  std::unique_lock lock(bucket_mu_);
  if (bucket_exists(name)) return s3::Error(s3::Code::BucketAlreadyOwnedByYou, "bucket already exists");
  leveldb::WriteBatch b;
  b.Put(keys::bucket(name), encode_bucket({std::string(name), created_ms}));
  return write(b);
}

s3::Result<BucketInfo> Index::get_bucket(std::string_view name) {
  std::string v;
  leveldb::Status st = db_->Get(leveldb::ReadOptions(), keys::bucket(name), &v);
  if (st.IsNotFound()) return s3::Error(s3::Code::NoSuchBucket, "The specified bucket does not exist");
  if (!st.ok()) return db_error("get", st);
  return decode_bucket(name, v);
}

s3::Status Index::delete_bucket(std::string_view name) {
  std::unique_lock lock(bucket_mu_);
  if (!bucket_exists(name)) return s3::Error(s3::Code::NoSuchBucket, "The specified bucket does not exist");
  std::string prefix = keys::object_prefix(name);
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  it->Seek(prefix);
  if (it->Valid() && starts_with(it->key(), prefix))
    return s3::Error(s3::Code::BucketNotEmpty, "The bucket you tried to delete is not empty");
  if (!it->status().ok()) return db_error("iterate", it->status());
  leveldb::WriteBatch b;
  b.Delete(keys::bucket(name));
  return write(b);
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

s3::Result<ObjectRecord> Index::get_object(std::string_view bucket, std::string_view key) {
  auto r = read_record(keys::object(bucket, key));
  if (!r) return r.error();
  if (!r->has_value()) {
    if (!bucket_exists(bucket)) return s3::Error(s3::Code::NoSuchBucket, "The specified bucket does not exist");
    return s3::Error(s3::Code::NoSuchKey, "The specified key does not exist.");
  }
  ObjectRecord rec = std::move(**r);
  // The LevelDB key is authoritative (JSON may have replaced invalid UTF-8).
  rec.info.bucket = std::string(bucket);
  rec.info.key = std::string(key);
  return rec;
}

s3::Result<std::optional<ObjectRecord>> Index::put_object(const ObjectRecord& rec) {
  std::shared_lock block(bucket_mu_);
  std::lock_guard klock(key_lock(rec.info.bucket, rec.info.key));
  if (!bucket_exists(rec.info.bucket)) return s3::Error(s3::Code::NoSuchBucket, "The specified bucket does not exist");
  std::string key = keys::object(rec.info.bucket, rec.info.key);
  auto old = read_record(key);
  if (!old) return old.error();
  leveldb::WriteBatch b;
  b.Put(key, encode_object_record(rec));
  if (auto s = write(b); !s) return s.error();
  return std::move(*old);
}

s3::Status Index::replace_object_if(const ObjectRecord& rec, const std::string& expected_data_id) {
  std::shared_lock block(bucket_mu_);
  std::lock_guard klock(key_lock(rec.info.bucket, rec.info.key));
  std::string key = keys::object(rec.info.bucket, rec.info.key);
  auto cur = read_record(key);
  if (!cur) return cur.error();
  if (!cur->has_value() || (*cur)->layout.data_id != expected_data_id)
    return s3::Error(s3::Code::NoSuchKey, "The object was replaced or deleted meanwhile.");
  leveldb::WriteBatch b;
  b.Put(key, encode_object_record(rec));
  return write(b);
}

s3::Result<std::optional<ObjectRecord>> Index::delete_object(std::string_view bucket, std::string_view key) {
  std::shared_lock block(bucket_mu_);
  std::lock_guard klock(key_lock(bucket, key));
  if (!bucket_exists(bucket)) return s3::Error(s3::Code::NoSuchBucket, "The specified bucket does not exist");
  std::string k = keys::object(bucket, key);
  auto old = read_record(k);
  if (!old) return old.error();
  if (!old->has_value()) return std::move(*old);
  leveldb::WriteBatch b;
  b.Delete(k);
  if (auto s = write(b); !s) return s.error();
  return std::move(*old);
}

s3::Result<ListResult> Index::list_objects(std::string_view bucket, const ListParams& p, ListStats* stats) {
  // One snapshot for the whole page so it is consistent with itself.
  ListResult res;
  const leveldb::Snapshot* snap = db_->GetSnapshot();
  struct Release {
    leveldb::DB* db;
    const leveldb::Snapshot* s;
    ~Release() { db->ReleaseSnapshot(s); }
  } release{db_.get(), snap};
  leveldb::ReadOptions ro;
  ro.snapshot = snap;
  {
    std::string v;
    if (!db_->Get(ro, keys::bucket(bucket), &v).ok())
      return s3::Error(s3::Code::NoSuchBucket, "The specified bucket does not exist");
  }
  if (p.max_keys <= 0) return res;  // S3 answers max-keys=0 with nothing and IsTruncated=false

  const std::string base = keys::object_prefix(bucket);
  const std::string scope = base + p.prefix;  // every candidate starts with this
  std::string start = scope;
  if (!p.after.empty()) {
    // after + "\0" is the smallest key strictly greater than after.
    std::string past = base + p.after;
    past.push_back('\0');
    start = std::max(start, past);
  }

  ListStats local;
  ListStats& st = stats ? *stats : local;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro));
  auto seek = [&](const std::string& target) {
    ++st.seeks;
    it->Seek(target);
  };
  // Jumps over every key starting with base+cp in one step.
  auto seek_past = [&](const std::string& cp) {
    std::string next = keys::prefix_successor(base + cp);
    if (next.empty()) {
      // Unreachable in practice (base starts with 'O'), but stay correct.
      while (it->Valid()) it->Next();
      return;
    }
    seek(next);
  };

  int count = 0;
  seek(start);
  while (it->Valid() && starts_with(it->key(), scope)) {
    std::string key(it->key().data() + base.size(), it->key().size() - base.size());
    if (!p.delimiter.empty()) {
      size_t pos = key.find(p.delimiter, p.prefix.size());
      if (pos != std::string::npos) {
        std::string cp = key.substr(0, pos + p.delimiter.size());
        // A common prefix at or before `after` was returned on an earlier page.
        if (cp > p.after) {
          if (count == p.max_keys) {
            res.truncated = true;
            break;
          }
          res.prefixes.push_back(cp);
          res.last = cp;
          ++count;
        }
        seek_past(cp);
        continue;
      }
    }
    if (count == p.max_keys) {
      res.truncated = true;
      break;
    }
    auto rec = decode_object_record(std::string_view(it->value().data(), it->value().size()));
    if (!rec) return s3::Error(s3::Code::InternalError, "index record for key " + key + ": " + rec.error().message);
    rec->info.bucket = std::string(bucket);
    rec->info.key = key;
    res.objects.push_back(std::move(rec->info));
    res.last = std::move(key);
    ++count;
    ++st.nexts;
    it->Next();
  }
  if (!it->status().ok()) return db_error("iterate", it->status());
  return res;
}

s3::Result<std::unordered_set<std::string>> Index::referenced_data_ids() {
  std::unordered_set<std::string> ids;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  const std::string prefix(1, keys::kObject);
  for (it->Seek(prefix); it->Valid() && starts_with(it->key(), prefix); it->Next()) {
    auto rec = decode_object_record(std::string_view(it->value().data(), it->value().size()));
    if (!rec) return rec.error();
    ids.insert(rec->layout.data_id);
    for (const auto& part : rec->parts) ids.insert(part.data_id);
  }
  if (!it->status().ok()) return db_error("iterate", it->status());
  return ids;
}

}  // namespace silt
