#include "rados/listing.h"

#include <algorithm>
#include <cerrno>
#include <map>
#include <optional>
#include <vector>

#include "index/keys.h"
#include "index/listing_header.h"
#include "index/object_record.h"
#include "index/upload_record.h"
#include "index/version_page.h"
#include "rados/list_pack.h"
#include "rados/objects.h"
#include "rados/split.h"
#include "rados/uploads.h"

namespace silt::rados {

namespace {

// Greater than every entry name that starts with s: keys are at most 1024 bytes,
// 2048 escaped, and an upload's tail adds 50.
std::string past_all_under(const std::string& s) {
  return s + std::string(2 * kMaxKeyLength + 64, '\xff');
}

// Entries of a bucket starting with scope, in order, across its shards: a page of `batch`
// (at most 1000) from the shard holding the position, and the next shard only at its range's start
// (rados/shard_map.h). A shard that split meanwhile (its generation changed) makes the
// cursor read the map again and go on from the same position.
class Cursor {
 public:
  Cursor(Backend& b, std::string bucket, std::string scope, uint64_t batch = 1000)
      : b_(b), bucket_(std::move(bucket)), scope_(std::move(scope)), batch_(batch) {}

  // Positions on the first entry greater than start_after (within scope). -ENOENT: the
  // bucket is gone; other errors as librados gives them.
  int seek(const std::string& start_after) {
    after_ = start_after;
    if (int r = position(); r < 0) return r;
    return fetch();
  }
  bool valid() const { return it_ != page_.end(); }
  const std::string& name() const { return it_->first; }
  // The current entry's name without its kind letter (the key of an O entry).
  std::string_view key() const { return std::string_view(it_->first).substr(1); }
  // The current entry's value, valid until next() or seek(): read in place, since a copy
  // per entry was a malloc per listed key.
  std::string_view value() {
    bufferlist& bl = it_->second;
    return {bl.c_str(), bl.length()};
  }
  int next() {
    after_ = it_->first;
    if (++it_ != page_.end()) return 0;
    return fetch();
  }
  // Appends the current entry (an O entry) to page.
  s3::Status add_to(ListResult& page) { return add_listed(page, key(), value()); }
  const std::string& shard() const { return oid_; }

 private:
  // The map as it is, and the range holding after_ (or the scope's start).
  int position() {
    auto m = b_.shard_map(bucket_);
    if (!m) return m.error().code == s3::Code::NoSuchBucket ? -ENOENT : -EIO;
    map_ = *m;
    const std::string pos = std::max(after_, scope_);
    shard_ = 0;
    while (shard_ + 1 < map_->ranges.size() && map_->entry_floor(shard_ + 1, scope_[0]) <= pos) ++shard_;
    more_ = true;
    return 0;
  }
  // Moves to the next range unless it starts past every entry of the scope.
  bool advance() {
    if (shard_ + 1 >= map_->ranges.size()) return false;
    const std::string floor = map_->entry_floor(shard_ + 1, scope_[0]);
    if (floor > scope_ && floor.compare(0, scope_.size(), scope_) != 0) return false;
    ++shard_;
    more_ = true;
    return true;
  }
  int fetch() {
    for (int stale = 0;;) {
      page_.clear();
      it_ = page_.end();
      if (!more_ && !advance()) return 0;
      const ShardRef& s = map_->ranges[shard_].shard;
      oid_ = s.oid;
      librados::ObjectReadOperation op;
      int rv = 0;
      op.cmpxattr(kGenXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(s.gen));
      op.omap_get_vals2(after_, scope_, batch_, &page_, &more_, &rv);
      int r = b_.index.operate(s.oid, &op, nullptr);
      if (r == -ECANCELED && ++stale < kMaxAttempts) {  // split since we read the map
        settle(b_, bucket_, s.oid, stale);
        if (r = position(); r < 0) return r;
        continue;
      }
      if (r < 0) return r;
      if (rv < 0) return rv;
      // What sorts at or past the next range's start is not this shard's (a split's
      // leftovers, being removed): the next range has it.
      if (shard_ + 1 < map_->ranges.size()) {
        auto cut = page_.lower_bound(map_->entry_floor(shard_ + 1, scope_[0]));
        if (cut != page_.end()) {
          page_.erase(cut, page_.end());
          more_ = false;
        }
      }
      if (page_.empty()) {
        more_ = false;
        continue;
      }
      it_ = page_.begin();
      return 0;
    }
  }

  Backend& b_;
  std::string bucket_, scope_, after_, oid_;
  std::shared_ptr<const ShardMap> map_;
  size_t shard_ = 0;
  std::map<std::string, bufferlist> page_;
  std::map<std::string, bufferlist>::iterator it_ = page_.end();
  bool more_ = true;
  uint64_t batch_;
};

// The listing entries of a packed bucket (rados/list_pack.h) under a prefix, in key
// order, across its shards: each read takes the blocks and deltas after the position in one
// op and merges them; like Cursor it moves to the next shard only at its range's start,
// and reads the map again when a shard split meanwhile. seek() takes O entry names and
// key() gives keys as Cursor's do, so list_page drives both alike.
class PackedCursor {
 public:
  PackedCursor(Backend& b, std::string bucket, std::string prefix, uint64_t want)
      : b_(b), bucket_(std::move(bucket)), prefix_(std::move(prefix)), want_(want) {}

  // Positions on the first entry after start_after (an O entry name, or "": the prefix's
  // start). -ENOENT: the bucket is gone; -EIO: a corrupt block (corrupt() says which).
  int seek(const std::string& start_after) {
    const std::string scope = object_entry(prefix_);
    pos_ = start_after.empty() || start_after < scope ? before_prefix(prefix_) : start_after.substr(1);
    if (int r = position(); r < 0) return r;
    return fetch();
  }
  bool valid() const { return i_ < w_.entries.size(); }
  // Views into the window's blocks and deltas, valid until next() or seek().
  std::string_view key() const { return w_.entries[i_].key; }
  std::string_view value() const { return w_.entries[i_].entry; }
  int next() {
    if (++i_ < w_.entries.size()) return 0;
    // Past everything the window covered (entries after the last one shown may have been
    // tombstones up to its end), unless the shard is done: the window may then reach into
    // the next range (a split's leftovers), which the next shard lists from its start.
    pos_ = more_ ? *w_.end : std::string(w_.entries.back().key);
    return fetch();
  }
  // Appends the current entry to page, from the header read_window checked.
  s3::Status add_to(ListResult& page) const {
    const BlockEntry& e = w_.entries[i_];
    page.add(e.key, e.header.etag, e.header.storage_class, e.header.size, e.header.mtime_ms);
    return {};
  }
  const std::string& shard() const { return oid_; }
  const s3::Error& corrupt() const { return corrupt_; }

 private:
  int position() {
    auto m = b_.shard_map(bucket_);
    if (!m) return m.error().code == s3::Code::NoSuchBucket ? -ENOENT : -EIO;
    map_ = *m;
    const std::string& at = std::max(pos_, prefix_);
    shard_ = 0;
    while (shard_ + 1 < map_->ranges.size() && map_->ranges[shard_ + 1].lower <= at) ++shard_;
    more_ = true;
    return 0;
  }
  bool advance() {
    if (shard_ + 1 >= map_->ranges.size()) return false;
    const std::string& lower = map_->ranges[shard_ + 1].lower;
    if (lower > prefix_ && !lower.starts_with(prefix_)) return false;  // past the prefix
    ++shard_;
    more_ = true;
    return true;
  }
  int fetch() {
    for (int stale = 0;;) {
      // The last window's entries go first: at the bucket's end valid() must be false.
      w_.entries.clear();
      i_ = 0;
      if (!more_ && !advance()) return 0;
      const ShardRef& s = map_->ranges[shard_].shard;
      oid_ = s.oid;
      // Blocks written by the compactor, which cuts one at each window's end and splits cut
      // them too, hold about 58 of kBlockKeys keys (measured on buckets filled by PUTs):
      // reading as if they were 3/4 full makes a page of want entries one read there, where
      // want / kBlockKeys + 2 took two. Deltas are read up to want (a compacted shard has few).
      const uint64_t blocks = want_ * 4 / (3 * kBlockKeys) + 2;
      if (b_.test_step) b_.test_step("list: window read");
      int r = read_window(b_, s, pos_, pos_, prefix_, blocks, want_, w_, &corrupt_);
      if (r == -ECANCELED && ++stale < kMaxAttempts) {  // split since we read the map
        settle(b_, bucket_, s.oid, stale);
        if (r = position(); r < 0) return r;
        continue;
      }
      if (r < 0) return r;
      more_ = w_.end.has_value();
      // What sorts at or past the next range's start is not this shard's (a split's
      // leftovers, being removed): the next range has it.
      if (shard_ + 1 < map_->ranges.size()) {
        const std::string& upper = map_->ranges[shard_ + 1].lower;
        auto cut = std::lower_bound(w_.entries.begin(), w_.entries.end(), std::string_view(upper),
                                    [](const BlockEntry& e, std::string_view k) { return e.key < k; });
        if (cut != w_.entries.end() || !w_.end || *w_.end >= upper) more_ = false;
        w_.entries.erase(cut, w_.entries.end());
      }
      if (w_.end && *w_.end > prefix_ && !std::string_view(*w_.end).starts_with(prefix_)) more_ = false;
      if (w_.entries.empty()) {
        if (more_) pos_ = *w_.end;
        continue;
      }
      return 0;
    }
  }

  Backend& b_;
  std::string bucket_, prefix_, pos_, oid_;
  std::shared_ptr<const ShardMap> map_;
  size_t shard_ = 0;
  PackedWindow w_;
  size_t i_ = 0;      // the current entry of w_.entries
  bool more_ = true;  // the shard may have entries past the window
  uint64_t want_;
  s3::Error corrupt_;
};

}  // namespace

namespace {

// One ListObjects page from cursor c (Cursor over O entries, or PackedCursor); nullopt
// when the bucket went away meanwhile (the caller looks it up again).
template <class C>
std::optional<s3::Result<ListResult>> list_page(Backend& b, std::string_view bucket, const ListParams& p, C& c) {
  ListResult res;
  const std::string scope = object_entry(p.prefix);
  // Entries after "O<after>", or from the scope's start when that is later.
  std::string start = p.after.empty() ? std::string() : object_entry(p.after);
  if (start < scope) start.clear();  // omap_get_vals2 starts at the filter prefix then
  int r = c.seek(start);
  if (r == -ENOENT) {
    b.forget_bucket(bucket);
    return std::nullopt;
  }
  if (p.max_keys <= 0) {  // S3 answers max-keys=0 with nothing and IsTruncated=false
    if (r < 0) return rados_error("list", c.shard(), r);
    return res;
  }
  res.objects.reserve(static_cast<size_t>(std::min(p.max_keys, 1000)));
  int count = 0;
  while (r == 0 && c.valid()) {
    const std::string_view value = c.value();
    // Keys whose latest version is a delete marker do not exist for listings.
    if (encoded_is_delete_marker(value)) {
      r = c.next();
      continue;
    }
    const std::string_view key = c.key();
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
      r = c.seek(past_all_under(object_entry(cp)));
      continue;
    }
    if (count == p.max_keys) {
      res.truncated = true;
      break;
    }
    if (auto s = c.add_to(res); !s)
      return s3::Error(s3::Code::InternalError, "index record for key " + std::string(key) + ": " + s.error().message);
    res.last.assign(key);  // into the capacity of the last key: no allocation per entry
    ++count;
    r = c.next();
  }
  if (r == -ENOENT) {
    b.forget_bucket(bucket);
    return std::nullopt;
  }
  if (r < 0) return rados_error("list", c.shard(), r);
  return res;
}

}  // namespace

s3::Result<ListResult> list_objects(Backend& b, std::string_view bucket, const ListParams& p) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto m = b.shard_map(bucket);
    if (!m) return m.error();
    // A page of max-keys needs max-keys + 1 entries to know whether it is truncated; a read
    // of 1000 for a page of 1000 made every page cost two round trips.
    const uint64_t want = std::clamp<uint64_t>(static_cast<uint64_t>(std::max(p.max_keys, 0)) + 1, 1, 1001);
    std::optional<s3::Result<ListResult>> page;
    if ((*m)->packed) {
      PackedCursor c(b, std::string(bucket), p.prefix, want);
      page = list_page(b, bucket, p, c);
      if (page && !*page && c.corrupt().code == s3::Code::InternalError && !c.corrupt().message.empty())
        return c.corrupt();
    } else {
      Cursor c(b, std::string(bucket), object_entry(p.prefix), want);
      page = list_page(b, bucket, p, c);
    }
    if (page) return std::move(*page);
  }
  return s3::Error(s3::Code::NoSuchBucket, "The specified bucket does not exist");
}

namespace {

// The vkey of key's version named by a version-id marker ("" when there is none).
s3::Result<std::string> marker_vkey(Backend& b, std::string_view bucket, std::string_view key,
                                    std::string_view version_id) {
  if (keys::is_version_id(version_id)) return std::string(version_id);
  if (version_id != "null") return s3::Error(s3::Code::InvalidArgument, "Invalid version id specified");
  auto cur = read_current(b, bucket, key);
  if (!cur) return cur.error();
  auto v = find_version(b, *cur, key, "null");
  if (!v) return v.error();
  return *v ? (*v)->rec.version_key : std::string();
}

}  // namespace

s3::Result<VersionListResult> list_versions(Backend& b, std::string_view bucket, const VersionListParams& p) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (auto m = b.shard_map(bucket); !m) return m.error();
    if (p.max_keys <= 0) return VersionListResult();
    const std::string scope = "V" + keys::escape_key(p.prefix);
    // As in list_uploads: start at key_marker's entries (or inside them, after the
    // version-id marker) and skip what is not after the markers below.
    std::string start, resume_vkey;
    if (!p.key_marker.empty()) {
      start = "V" + keys::escape_key(p.key_marker);
      if (!p.version_id_marker.empty()) {
        auto vk = marker_vkey(b, bucket, p.key_marker, p.version_id_marker);
        if (!vk) return vk.error();
        resume_vkey = *vk;
        if (!resume_vkey.empty()) start = version_entry(p.key_marker, resume_vkey);
      }
    }
    if (start < scope) start.clear();
    VersionPage page(bucket, p, resume_vkey, [&](const std::string& key) -> s3::Result<std::string> {
      auto cur = read_current(b, bucket, key);
      if (!cur) return cur.error();
      return cur->rec ? cur->rec->version_key : std::string();
    });
    Cursor c(b, std::string(bucket), scope);
    int r = c.seek(start);
    while (r == 0 && c.valid()) {
      auto next = page.offer(std::string_view(c.name()).substr(1), c.value());
      if (!next) return next.error();
      if (*next == VersionPage::Next::Done) break;
      r = *next == VersionPage::Next::SkipPrefix ? c.seek(past_all_under("V" + keys::escape_key(page.skip_prefix())))
                                                 : c.next();
    }
    if (r == -ENOENT) {
      b.forget_bucket(bucket);
      continue;
    }
    if (r < 0) return rados_error("list versions in", c.shard(), r);
    return page.finish();
  }
  return s3::Error(s3::Code::NoSuchBucket, "The specified bucket does not exist");
}

s3::Result<UploadList> list_uploads(Backend& b, std::string_view bucket, const UploadListParams& p) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (auto m = b.shard_map(bucket); !m) return m.error();
    UploadList res;
    if (p.max_uploads <= 0) return res;
    const std::string scope = upload_scope(p.prefix);
    // Entries of key_marker's uploads are all greater than "U<escaped marker>": start
    // there and skip them one by one below, as the LevelDB index does.
    std::string start = p.key_marker.empty() ? std::string() : upload_scope(p.key_marker);
    if (start < scope) start.clear();
    Cursor c(b, std::string(bucket), scope);
    int r = c.seek(start);
    int count = 0;
    while (r == 0 && c.valid()) {
      const std::string_view rest = std::string_view(c.name()).substr(1);
      const size_t tail = keys::kUploadIdLen + keys::kKeyEnd.size();
      if (rest.size() < tail || rest.substr(rest.size() - tail, keys::kKeyEnd.size()) != keys::kKeyEnd) {
        r = c.next();
        continue;
      }
      const std::string key = keys::unescape_key(rest.substr(0, rest.size() - tail));
      const std::string uid(rest.substr(rest.size() - keys::kUploadIdLen));
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
        r = c.seek(past_all_under(upload_scope(cp)));
        continue;
      }
      if (!p.key_marker.empty() &&
          (key < p.key_marker || (key == p.key_marker && (p.upload_id_marker.empty() || uid <= p.upload_id_marker)))) {
        r = c.next();
        continue;
      }
      const std::string value(c.value());
      const std::string state = upload_state(value);
      if (state != "open" && state != "completing") {  // gone for clients, being removed
        r = c.next();
        continue;
      }
      if (count == p.max_uploads) {
        res.truncated = true;
        break;
      }
      auto u = decode_upload_info(value);
      if (!u) return u.error();
      u->bucket = std::string(bucket);
      u->key = key;
      u->upload_id = uid;
      res.next_key_marker = key;
      res.next_upload_id_marker = uid;
      res.uploads.push_back(std::move(*u));
      ++count;
      r = c.next();
    }
    if (r == -ENOENT) {
      b.forget_bucket(bucket);
      continue;
    }
    if (r < 0) return rados_error("list uploads in", c.shard(), r);
    if (!res.truncated) {
      res.next_key_marker.clear();
      res.next_upload_id_marker.clear();
    }
    return res;
  }
  return s3::Error(s3::Code::NoSuchBucket, "The specified bucket does not exist");
}

}  // namespace silt::rados
