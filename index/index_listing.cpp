// Listings: current objects, all versions, uploads in progress. Each walks one
// snapshot of its key range in byte order and, with a delimiter, reports a
// common prefix once and seeks past everything under it (one seek per prefix).
#include <leveldb/iterator.h>

#include <algorithm>

#include "index/db_util.h"
#include "index/index.h"
#include "index/keys.h"
#include "index/listing_header.h"
#include "index/version_page.h"

namespace silt {

using dbu::db_error;
using dbu::starts_with;

namespace {

// The iterator plus seek/skip bookkeeping shared by the three listings.
struct Walker {
  // escaped: keys are stored as keys::escape_key(key) (V and U entries).
  Walker(leveldb::DB* db, const leveldb::ReadOptions& ro, std::string base, bool escaped, ListStats* stats)
      : it(db->NewIterator(ro)), base(std::move(base)), escaped(escaped), st(stats ? *stats : local) {}
  // The LevelDB key where entries of keys starting with `key` begin.
  std::string at(std::string_view key) const { return base + (escaped ? keys::escape_key(key) : std::string(key)); }
  void seek(const std::string& target) {
    ++st.seeks;
    it->Seek(target);
  }
  void next() {
    ++st.nexts;
    it->Next();
  }
  // Jumps over every key starting with base+cp in one step.
  void seek_past(const std::string& cp) {
    std::string after = keys::prefix_successor(at(cp));
    if (after.empty()) {
      while (it->Valid()) it->Next();  // unreachable: base starts with a letter
      return;
    }
    seek(after);
  }
  // The part of the current key after base.
  std::string_view rest() const { return dbu::view(it->key()).substr(base.size()); }

  std::unique_ptr<leveldb::Iterator> it;
  std::string base;
  bool escaped;
  ListStats local;
  ListStats& st;
};

}  // namespace

s3::Result<ListResult> Index::list_objects(std::string_view bucket, const ListParams& p, ListStats* stats) {
  ListResult res;
  dbu::Snapshot snap(db_.get());  // one snapshot for the whole page: consistent with itself
  if (!read_bucket(bucket, snap.ro)) return dbu::no_such_bucket();
  if (p.max_keys <= 0) return res;  // S3 answers max-keys=0 with nothing and IsTruncated=false

  Walker w(db_.get(), snap.ro, keys::object_prefix(bucket), false, stats);
  const std::string scope = w.base + p.prefix;  // every candidate starts with this
  std::string start = scope;
  if (!p.after.empty()) {
    std::string past = w.base + p.after;
    past.push_back('\0');  // after + "\0" is the smallest key strictly greater than after
    start = std::max(start, past);
  }
  int count = 0;
  w.seek(start);
  while (w.it->Valid() && starts_with(w.it->key(), scope)) {
    // Keys whose latest version is a delete marker do not exist for listings,
    // not even as members of a common prefix: skip them one by one.
    if (encoded_is_delete_marker(dbu::view(w.it->value()))) {
      w.next();
      continue;
    }
    std::string key(w.rest());
    if (std::string cp = keys::common_prefix(key, p.prefix, p.delimiter); !cp.empty()) {
      if (cp > p.after) {  // one at or before `after` was returned on an earlier page
        if (count == p.max_keys) {
          res.truncated = true;
          break;
        }
        res.prefixes.push_back(cp);
        res.last = cp;
        ++count;
      }
      w.seek_past(cp);
      continue;
    }
    if (count == p.max_keys) {
      res.truncated = true;
      break;
    }
    if (auto s = add_listed(res, key, dbu::view(w.it->value())); !s)
      return s3::Error(s3::Code::InternalError, "index record for key " + key + ": " + s.error().message);
    res.last = std::move(key);
    ++count;
    w.next();
  }
  if (!w.it->status().ok()) return db_error("iterate", w.it->status());
  return res;
}

s3::Result<VersionListResult> Index::list_versions(std::string_view bucket, const VersionListParams& p,
                                                   ListStats* stats) {
  VersionListResult res;
  dbu::Snapshot snap(db_.get());
  if (!read_bucket(bucket, snap.ro)) return dbu::no_such_bucket();
  if (p.max_keys <= 0) return res;

  Walker w(db_.get(), snap.ro, keys::bucket_scope(keys::kVersion, bucket), true, stats);
  const std::string scope = w.at(p.prefix);
  std::string start = scope;
  std::string marker_vkey;  // non-empty: starting inside key_marker's versions
  if (!p.key_marker.empty()) {
    // As in list_uploads: start at key_marker, skip what is not after the markers below.
    std::string from = w.at(p.key_marker);
    if (!p.version_id_marker.empty()) {
      std::string vkey;
      if (p.version_id_marker == "null") {
        auto n = find_null_version(bucket, p.key_marker, std::nullopt);
        if (!n) return n.error();
        if (n->has_value()) vkey = (*n)->version_key;
      } else if (keys::is_version_id(p.version_id_marker)) {
        vkey = p.version_id_marker;
      } else {
        return s3::Error(s3::Code::InvalidArgument, "Invalid version id specified");
      }
      if (!vkey.empty()) {
        from = keys::version(bucket, p.key_marker, vkey);
        from.push_back('\0');
        marker_vkey = vkey;
      }
    }
    start = std::max(start, from);
  }

  VersionPage page(bucket, p, marker_vkey, [&](const std::string& key) -> s3::Result<std::string> {
    std::string v;
    if (db_->Get(snap.ro, keys::object(bucket, key), &v).ok())
      if (auto latest = decode_object_record(v)) return latest->version_key;
    return std::string();
  });
  w.seek(start);
  while (w.it->Valid() && starts_with(w.it->key(), scope)) {
    auto next = page.offer(w.rest(), dbu::view(w.it->value()));
    if (!next) return next.error();
    if (*next == VersionPage::Next::Done) break;
    if (*next == VersionPage::Next::SkipPrefix)
      w.seek_past(page.skip_prefix());
    else
      w.next();
  }
  if (!w.it->status().ok()) return db_error("iterate", w.it->status());
  return page.finish();
}

s3::Result<UploadList> Index::list_uploads(std::string_view bucket, const UploadListParams& p, ListStats* stats) {
  UploadList res;
  dbu::Snapshot snap(db_.get());
  if (!read_bucket(bucket, snap.ro)) return dbu::no_such_bucket();
  if (p.max_uploads <= 0) return res;

  Walker w(db_.get(), snap.ro, keys::bucket_scope(keys::kUpload, bucket), true, stats);
  const std::string scope = w.at(p.prefix);
  std::string start = scope;
  if (!p.key_marker.empty()) {
    // S3: the upload id marker only counts together with a key marker.
    // Start at key_marker's uploads and skip them one by one below.
    start = std::max(start, w.at(p.key_marker));
  }
  int count = 0;
  w.seek(start);
  while (w.it->Valid() && starts_with(w.it->key(), scope)) {
    std::string key;
    std::string_view uid;
    if (!keys::split_tail(w.rest(), keys::kUploadIdLen, key, uid)) {
      w.next();
      continue;
    }
    if (std::string cp = keys::common_prefix(key, p.prefix, p.delimiter); !cp.empty()) {
      // A prefix after the key marker holds only keys after it: no upload-id check here.
      if (cp > p.key_marker) {
        if (count == p.max_uploads) {
          res.truncated = true;
          break;
        }
        res.prefixes.push_back(cp);
        res.next_key_marker = cp;
        res.next_upload_id_marker.clear();
        ++count;
      }
      w.seek_past(cp);
      continue;
    }
    if (!p.key_marker.empty() &&
        (key < p.key_marker || (key == p.key_marker && (p.upload_id_marker.empty() || uid <= p.upload_id_marker)))) {
      w.next();
      continue;
    }
    if (count == p.max_uploads) {
      res.truncated = true;
      break;
    }
    auto u = decode_upload_info(dbu::view(w.it->value()));
    if (!u) return u.error();
    u->bucket = std::string(bucket);
    u->key = key;
    u->upload_id = std::string(uid);
    res.next_key_marker = key;
    res.next_upload_id_marker = u->upload_id;
    res.uploads.push_back(std::move(*u));
    ++count;
    w.next();
  }
  if (!w.it->status().ok()) return db_error("iterate", w.it->status());
  if (!res.truncated) {
    res.next_key_marker.clear();
    res.next_upload_id_marker.clear();
  }
  return res;
}

}  // namespace silt
