#include "rados/uploads.h"

#include <cerrno>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "index/keys.h"
#include "index/multipart_record.h"
#include "rados/gc.h"
#include "rados/objects.h"
#include "rados/split.h"
#include "util/time.h"

namespace silt::rados {

namespace {

using nlohmann::json;

constexpr std::string_view kOpen = "open";
constexpr std::string_view kCompleting = "completing";
constexpr std::string_view kAborting = "aborting";
constexpr std::string_view kCompleted = "completed";
// P entries one op removes at most: the OSD takes at most 1024 omap keys per request.
constexpr size_t kBatch = 500;

// Upload ids start with this, so one key's uploads sort by initiation.
uint64_t upload_now_us() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

s3::Error no_such_upload() {
  return s3::Error(s3::Code::NoSuchUpload,
                   "The specified multipart upload does not exist. The upload ID might be invalid, or the multipart "
                   "upload might have been aborted or completed.");
}

// The U value: the upload JSON (index/upload_record.h), its state, since when it is in
// a state other than open (the upload sweeper's clock), and for a completed upload whose
// parts are removed in batches, the data ids of the parts to free.
std::string encode_upload(const UploadInfo& u, std::string_view state, const std::vector<std::string>& free = {}) {
  json j = json::parse(encode_upload_info(u));
  j["state"] = state;
  if (state != kOpen) j["state_ms"] = now_ms();
  if (!free.empty()) j["free"] = free;
  return j.dump();
}

struct StoredUpload {
  std::string shard;
  std::string gen;  // the shard's generation as read: changes assert it
  std::string raw;  // the U value as read: what a guarded change compares against
  std::string state;
  UploadInfo info;
  bool live = true;  // the shard's state
};

bool in_progress(const StoredUpload& u) {
  return u.state == kOpen || u.state == kCompleting;
}

// The U entry of upload_id in any state. NoSuchUpload when absent (or not an upload
// id), NoSuchBucket.
s3::Result<StoredUpload> read_upload(Backend& b, std::string_view bucket, std::string_view key,
                                     std::string_view upload_id) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto shard = b.shard_for(bucket, key);
    if (!shard) return shard.error();
    if (!keys::is_upload_id(upload_id)) return no_such_upload();
    const std::string entry = upload_entry(key, upload_id);
    librados::ObjectReadOperation op;
    std::map<std::string, bufferlist> attrs, vals;
    int rv_attrs = 0, rv_vals = 0;
    op.getxattrs(&attrs, &rv_attrs);
    op.omap_get_vals_by_keys({entry}, &vals, &rv_vals);
    const int r = b.index.operate(shard->oid, &op, nullptr);
    if (r == -ENOENT) {
      b.forget_bucket(bucket);
      if (attempt > 0) backoff(attempt);
      continue;
    }
    if (r < 0) return rados_error("read", shard->oid, r);
    const std::string gen = attrs.count(kGenXattr) ? attrs[kGenXattr].to_str() : std::string();
    if (gen != shard->gen) {  // split since this gateway read the map
      settle(b, bucket, shard->oid, attempt);
      continue;
    }
    auto it = vals.find(entry);
    if (it == vals.end()) return no_such_upload();
    StoredUpload u;
    u.shard = shard->oid;
    u.gen = gen;
    u.live = attrs.count(kStateXattr) && attrs[kStateXattr].to_str() == kLive;
    u.raw = it->second.to_str();
    u.state = upload_state(u.raw);
    auto info = decode_upload_info(u.raw);
    if (!info) return info.error();
    u.info = std::move(*info);
    u.info.bucket = std::string(bucket);
    u.info.key = std::string(key);
    u.info.upload_id = std::string(upload_id);
    return u;
  }
  return contention("reading an upload");
}

// Every P entry of an upload: name -> value, in part order, read from u's shard as long
// as it has the generation u read and U is still as u read it; SlowDown otherwise: read
// u again. Asserting U in each read is what keeps a Complete from judging the parts an
// Abort is removing: an Abort changes U before it removes the first part.
s3::Result<std::map<std::string, std::string>> part_entries(Backend& b, const StoredUpload& u) {
  std::map<std::string, std::string> out;
  const std::string scope = parts_scope(u.info.key, u.info.upload_id);
  const std::string u_entry = upload_entry(u.info.key, u.info.upload_id);
  std::string after;
  for (bool more = true; more;) {
    std::map<std::string, bufferlist> page;
    librados::ObjectReadOperation op;
    int rv = 0, rv_upload = 0;
    op.cmpxattr(kGenXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(u.gen));
    op.omap_cmp({{u_entry, {to_bl(u.raw), LIBRADOS_CMPXATTR_OP_EQ}}}, &rv_upload);
    op.omap_get_vals2(after, scope, 1000, &page, &more, &rv);
    const int r = b.index.operate(u.shard, &op, nullptr);
    if (r == -ECANCELED) return contention("reading the parts of an upload");
    if (r < 0) return rados_error("list parts in", u.shard, r);
    for (auto& [k, v] : page) out.emplace(k, v.to_str());
    if (page.empty()) break;
    after = page.rbegin()->first;
  }
  return out;
}

s3::Result<std::vector<UploadedPart>> decode_parts(const std::map<std::string, std::string>& entries) {
  std::vector<UploadedPart> out;
  for (const auto& [name, value] : entries) {
    auto p = decode_uploaded_part(value);
    if (!p) return p.error();
    out.push_back(std::move(*p));
  }
  return out;
}

// Sets the U entry from u.raw to value in one guarded op: 0, -ECANCELED (changed
// meanwhile, or the shard is not live when live is asked), or another error.
int swap_upload(Backend& b, const StoredUpload& u, const std::string& value, bool need_live) {
  librados::ObjectWriteOperation op;
  int rv = 0;
  guard_shard(op, ShardRef{u.shard, u.gen});
  if (need_live) op.cmpxattr(kStateXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(kLive));
  op.omap_cmp({{upload_entry(u.info.key, u.info.upload_id), {to_bl(u.raw), LIBRADOS_CMPXATTR_OP_EQ}}}, &rv);
  op.omap_set({{upload_entry(u.info.key, u.info.upload_id), to_bl(value)}});
  return b.index.operate(u.shard, &op);
}

// Removes the P entries of an upload that is aborting (every part's data queued for
// GC) or completed (the data ids its "free" list names queued), kBatch per op, then U.
// Idempotent: a crash midway leaves U, and the next call finishes.
s3::Status finish_upload(Backend& b, const StoredUpload& first) {
  StoredUpload u = first;
  std::set<std::string> free;
  const bool free_all = u.state == kAborting;
  if (!free_all) {
    json j = json::parse(u.raw, nullptr, false);
    if (j.is_object() && j.contains("free") && j["free"].is_array())
      for (const auto& id : j["free"])
        if (id.is_string()) free.insert(id.get<std::string>());
  }
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    if (attempt > 0) {  // the shard splits or split: go on where the upload is now
      backoff(attempt);
      auto again = read_upload(b, u.info.bucket, u.info.key, u.info.upload_id);
      if (!again) return again.error().code == s3::Code::NoSuchUpload ? s3::Status() : s3::Status(again.error());
      u.shard = again->shard;
      u.gen = again->gen;
      u.raw = again->raw;  // the sweeper may have stamped it meanwhile
    }
    auto entries = part_entries(b, u);
    if (!entries) {
      if (entries.error().code == s3::Code::SlowDown) continue;
      return entries.error();
    }
    const int64_t now = now_ms();  // parts are never read by anyone: no grace period
    auto it = entries->begin();
    int r = 0;
    do {
      librados::ObjectWriteOperation op;
      guard_shard(op, ShardRef{u.shard, u.gen});
      std::set<std::string> rm;
      std::map<std::string, bufferlist> queued;
      for (size_t n = 0; n < kBatch && it != entries->end(); ++n, ++it) {
        rm.insert(it->first);
        auto p = decode_uploaded_part(it->second);
        if (p && (free_all || free.count(p->layout.data_id))) {
          auto [name, value] = gc_data_item(p->layout, p->layout.data_id, p->info.size, p->layout.stored, now);
          queued.emplace(name, to_bl(value));
        }
      }
      if (it == entries->end()) rm.insert(upload_entry(u.info.key, u.info.upload_id));
      op.omap_rm_keys(rm);
      if (!queued.empty()) op.omap_set(queued);
      r = b.index.operate(u.shard, &op);
    } while (r == 0 && it != entries->end());
    if (r == 0 || r == -ENOENT) return {};
    if (r != -ECANCELED) return rados_error("drop parts in", u.shard, r);
  }
  return contention("removing an upload's parts");
}

// Gives a frozen upload back to clients (open again) after its Complete was refused.
void unfreeze(Backend& b, const StoredUpload& frozen) {
  (void)swap_upload(b, frozen, encode_upload(frozen.info, kOpen), false);
}

}  // namespace

std::string upload_state(std::string_view value) {
  json j = json::parse(value, nullptr, false);
  if (!j.is_object()) return {};
  return j.value("state", std::string(kOpen));
}

s3::Result<UploadInfo> create_upload(Backend& b, std::string_view bucket, std::string_view key, const ObjectMeta& meta,
                                     int64_t now) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto shard = b.shard_for(bucket, key);
    if (!shard) return shard.error();
    UploadInfo u{std::string(bucket), std::string(key), keys::make_upload_id(upload_now_us()), now, meta};
    librados::ObjectWriteOperation op;
    guard_shard(op, *shard);
    op.cmpxattr(kStateXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(kLive));
    op.omap_set({{upload_entry(key, u.upload_id), to_bl(encode_upload(u, kOpen))}});
    const int r = b.index.operate(shard->oid, &op);
    if (r == 0) return u;
    if (r == -ENOENT) {
      b.forget_bucket(bucket);
      continue;
    }
    if (r != -ECANCELED) return rados_error("create upload in", shard->oid, r);
    // A DeleteBucket is deciding, the shard splits, or our map is stale.
    settle(b, bucket, shard->oid, attempt);
  }
  return contention("CreateMultipartUpload");
}

s3::Status adopt_upload(Backend& b, const UploadInfo& u) {
  if (!keys::is_upload_id(u.upload_id))
    return s3::Error(s3::Code::InvalidArgument, "not an upload id: " + u.upload_id.substr(0, 64));
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto have = read_upload(b, u.bucket, u.key, u.upload_id);
    if (have) return {};
    if (have.error().code != s3::Code::NoSuchUpload) return have.error();
    auto shard = b.shard_for(u.bucket, u.key);
    if (!shard) return shard.error();
    const std::string entry = upload_entry(u.key, u.upload_id);
    librados::ObjectWriteOperation op;
    int rv = 0;
    guard_shard(op, *shard);
    op.cmpxattr(kStateXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(kLive));
    op.omap_cmp({{entry, {bufferlist(), LIBRADOS_CMPXATTR_OP_EQ}}}, &rv);  // absent compares as empty
    op.omap_set({{entry, to_bl(encode_upload(u, kOpen))}});
    const int r = b.index.operate(shard->oid, &op);
    if (r == 0) return {};
    if (r == -ENOENT) {
      b.forget_bucket(u.bucket);
      continue;
    }
    if (r != -ECANCELED) return rados_error("adopt upload in", shard->oid, r);
    settle(b, u.bucket, shard->oid, attempt);  // there now, a split, or a DeleteBucket deciding
  }
  return contention("importing an upload");
}

s3::Result<UploadInfo> get_upload(Backend& b, std::string_view bucket, std::string_view key,
                                  std::string_view upload_id) {
  auto u = read_upload(b, bucket, key, upload_id);
  if (!u) return u.error();
  if (!in_progress(*u)) return no_such_upload();
  return std::move(u->info);
}

s3::Status commit_part(Backend& b, const UploadedPart& part, const std::string& intent_raw) {
  const std::string u_entry = upload_entry(part.key, part.upload_id);
  const std::string p_entry = part_entry(part.key, part.upload_id, part.info.number);
  const std::string i_entry = intent_entry(part.layout.data_id);
  const std::string value = encode_uploaded_part(part);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto shard = b.shard_for(part.bucket, part.key);
    if (!shard) return shard.error();
    librados::ObjectReadOperation rd;
    std::map<std::string, bufferlist> attrs, vals;
    int rv_attrs = 0, rv_vals = 0;
    rd.getxattrs(&attrs, &rv_attrs);
    rd.omap_get_vals_by_keys({u_entry, p_entry, i_entry}, &vals, &rv_vals);
    int r = b.index.operate(shard->oid, &rd, nullptr);
    if (r == -ENOENT) {
      b.forget_bucket(part.bucket);
      continue;
    }
    if (r < 0) return rados_error("read", shard->oid, r);
    const std::string gen = attrs.count(kGenXattr) ? attrs[kGenXattr].to_str() : std::string();
    const std::string state = attrs.count(kStateXattr) ? attrs[kStateXattr].to_str() : std::string();
    if (gen != shard->gen) {  // split since this gateway read the map
      settle(b, part.bucket, shard->oid, attempt);
      continue;
    }
    auto u = vals.find(u_entry);
    if (u == vals.end() || upload_state(u->second.to_str()) != kOpen) return no_such_upload();
    if (!intent_raw.empty() && (!vals.count(i_entry) || vals[i_entry].to_str() != intent_raw)) return intent_lost();
    if (state != kLive) {
      await_live(b, part.bucket, shard->oid, attrs.count(kSplitXattr) ? attrs[kSplitXattr].to_str() : "", attempt);
      continue;
    }
    const std::string old = vals.count(p_entry) ? vals[p_entry].to_str() : std::string();
    librados::ObjectWriteOperation op;
    int rv = 0;
    guard_shard(op, *shard);
    op.cmpxattr(kStateXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(kLive));
    std::map<std::string, std::pair<bufferlist, int>> cmp{{u_entry, {u->second, LIBRADOS_CMPXATTR_OP_EQ}},
                                                          {p_entry, {to_bl(old), LIBRADOS_CMPXATTR_OP_EQ}}};
    if (!intent_raw.empty()) cmp.emplace(i_entry, std::make_pair(to_bl(intent_raw), LIBRADOS_CMPXATTR_OP_EQ));
    op.omap_cmp(cmp, &rv);
    std::map<std::string, bufferlist> set{{p_entry, to_bl(value)}};
    if (!old.empty())  // a re-uploaded part: the data it replaces goes
      if (auto prev = decode_uploaded_part(old); prev && prev->layout.data_id != part.layout.data_id) {
        auto [name, v] =
            gc_data_item(prev->layout, prev->layout.data_id, prev->info.size, prev->layout.stored, now_ms());
        set.emplace(name, to_bl(v));
      }
    op.omap_rm_keys({intent_entry(part.layout.data_id)});
    op.omap_set(set);
    r = b.index.operate(shard->oid, &op);
    if (r == 0) return {};
    if (r == -ENOENT) {
      b.forget_bucket(part.bucket);
      continue;
    }
    if (r != -ECANCELED) return rados_error("commit part to", shard->oid, r);
    backoff(attempt);
  }
  return contention("UploadPart");
}

s3::Result<PartList> list_parts(Backend& b, std::string_view bucket, std::string_view key, std::string_view upload_id,
                                int after_part, int max_parts) {
  auto u = read_upload(b, bucket, key, upload_id);
  if (!u) return u.error();
  if (!in_progress(*u)) return no_such_upload();
  PartList out;
  out.upload = std::move(u->info);
  if (max_parts <= 0) return out;
  const std::string scope = parts_scope(key, upload_id);
  std::string after = after_part > 0 ? part_entry(key, upload_id, std::min(after_part, kMaxPartNumber)) : "";
  for (bool more = true; more && static_cast<int>(out.parts.size()) <= max_parts;) {
    std::map<std::string, bufferlist> page;
    librados::ObjectReadOperation op;
    int rv = 0;
    op.cmpxattr(kGenXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(u->gen));  // not split meanwhile
    op.omap_get_vals2(after, scope, static_cast<uint64_t>(max_parts) + 1 - out.parts.size(), &page, &more, &rv);
    const int r = b.index.operate(u->shard, &op, nullptr);
    if (r == -ECANCELED) return contention("ListParts");  // the client retries; the map is read again
    if (r < 0) return rados_error("list parts in", u->shard, r);
    for (const auto& [name, value] : page) {
      auto p = decode_uploaded_part(value.to_str());
      if (!p) return p.error();
      out.parts.push_back(std::move(p->info));
    }
    if (page.empty()) break;
    after = page.rbegin()->first;
  }
  if (static_cast<int>(out.parts.size()) > max_parts) {
    out.parts.resize(static_cast<size_t>(max_parts));
    out.truncated = true;
    out.next_marker = out.parts.back().number;
  }
  return out;
}

s3::Result<ObjectInfo> complete_upload(Backend& b, std::string_view bucket, std::string_view key,
                                       std::string_view upload_id, const std::vector<CompletedPart>& named,
                                       const WriteConditions& cond, const CompleteClaims& claims) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto u = read_upload(b, bucket, key, upload_id);
    if (!u) return u.error();
    if (!in_progress(*u)) {
      if (u->state == kCompleted || u->state == kAborting)
        if (auto s = finish_upload(b, *u); !s) return s.error();
      return no_such_upload();
    }
    if (named.empty()) return s3::Error(s3::Code::MalformedXML, "You must specify at least one part");
    if (b.test_step) b.test_step("complete: upload read");
    // 1. Judge the list against the parts as they are: a refused list changes nothing.
    auto entries = part_entries(b, *u);
    if (!entries && entries.error().code == s3::Code::SlowDown) {  // split meanwhile: read again
      backoff(attempt);
      continue;
    }
    if (!entries) return entries.error();
    auto parts = decode_parts(*entries);
    if (!parts) return parts.error();
    if (auto rec = assemble_multipart(u->info, named, *parts, now_ms(), claims); !rec) return rec.error();
    // 2. Freeze the parts: from here no part commit can change them.
    if (u->state == kOpen) {
      const std::string frozen = encode_upload(u->info, kCompleting);
      const int r = swap_upload(b, *u, frozen, true);
      if (r == -ECANCELED || r == -ENOENT) {  // a part, an Abort or a DeleteBucket got there first
        if (r == -ENOENT) b.forget_bucket(bucket);
        backoff(attempt);
        continue;
      }
      if (r < 0) return rados_error("freeze upload in", u->shard, r);
      u->raw = frozen;
      u->state = std::string(kCompleting);
      if (b.test_step) b.test_step("complete: frozen");
      entries = part_entries(b, *u);
      if (!entries && entries.error().code == s3::Code::SlowDown) {  // frozen, so retried from here
        backoff(attempt);
        continue;
      }
      if (!entries) return entries.error();
      parts = decode_parts(*entries);
      if (!parts) return parts.error();
    }
    auto rec = assemble_multipart(u->info, named, *parts, now_ms(), claims);
    if (!rec) {  // a part changed between the judgement and the freeze
      unfreeze(b, *u);
      return rec.error();
    }
    // 3. One op: the object, the upload's removal, the unused parts' data queued.
    std::set<std::string> used;
    for (const auto& p : rec->parts) used.insert(p.data_id);
    std::vector<std::string> unused;
    for (const auto& p : *parts)
      if (!used.count(p.layout.data_id)) unused.push_back(p.layout.data_id);
    const bool one_op = entries->size() + unused.size() + 4 <= kBatch;
    const std::string u_entry = upload_entry(key, upload_id);
    // Encoded once: finish_upload asserts U is exactly what the commit wrote.
    const std::string completed_raw = one_op ? std::string() : encode_upload(u->info, kCompleted, unused);
    int rv_upload = 0;
    bool gone = false;
    auto extra = [&](int n, librados::ObjectWriteOperation& op, std::map<std::string, bufferlist>& set,
                     std::set<std::string>& rm) -> s3::Status {
      if (n > 0) {  // lost a race: still ours to complete?
        auto again = read_upload(b, bucket, key, upload_id);
        if (!again || again->raw != u->raw) {
          gone = true;
          return no_such_upload();
        }
      }
      op.omap_cmp({{u_entry, {to_bl(u->raw), LIBRADOS_CMPXATTR_OP_EQ}}}, &rv_upload);
      if (!one_op) {
        set[u_entry] = to_bl(completed_raw);
        return {};
      }
      rm.insert(u_entry);
      for (const auto& [name, value] : *entries) rm.insert(name);
      for (const auto& p : *parts)
        if (!used.count(p.layout.data_id)) {
          auto [name, v] = gc_data_item(p.layout, p.layout.data_id, p.info.size, p.layout.stored, now_ms());
          set.emplace(name, to_bl(v));
        }
      return {};
    };
    auto done = commit_object(b, std::move(*rec), cond, nullptr, extra);
    if (!done) {
      if (!gone) unfreeze(b, *u);  // e.g. PreconditionFailed: the upload stays, as on S3
      return done.error();
    }
    if (!one_op) {
      StoredUpload completed = *u;
      completed.state = std::string(kCompleted);
      completed.raw = completed_raw;
      if (auto s = finish_upload(b, completed); !s) return s.error();
    }
    return std::move(done->info);
  }
  return contention("CompleteMultipartUpload");
}

s3::Status abort_upload(Backend& b, std::string_view bucket, std::string_view key, std::string_view upload_id) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto u = read_upload(b, bucket, key, upload_id);
    if (!u) return u.error();
    if (u->state == kAborting) return finish_upload(b, *u);  // an abort cut short: finish it
    if (u->state == kCompleted) {
      if (auto s = finish_upload(b, *u); !s) return s;
      return no_such_upload();
    }
    const std::string aborting = encode_upload(u->info, kAborting);
    const int r = swap_upload(b, *u, aborting, false);
    if (r == -ECANCELED || r == -ENOENT) {  // a part or a Complete changed it: decide again
      if (r == -ENOENT) b.forget_bucket(bucket);
      backoff(attempt);
      continue;
    }
    if (r < 0) return rados_error("abort upload in", u->shard, r);
    u->raw = aborting;
    u->state = std::string(kAborting);
    return finish_upload(b, *u);
  }
  return contention("AbortMultipartUpload");
}

s3::Status drop_all_parts(Backend& b, const std::string& shard) {
  std::string after;
  for (bool more = true; more;) {
    std::map<std::string, bufferlist> page;
    librados::ObjectReadOperation op;
    int rv = 0;
    op.omap_get_vals2(after, "P", 1000, &page, &more, &rv);
    const int r = b.index.operate(shard, &op, nullptr);
    if (r == -ENOENT) return {};
    if (r < 0) return rados_error("list parts in", shard, r);
    for (const auto& [name, value] : page) {
      auto p = decode_uploaded_part(value.to_str());
      if (!p) continue;
      DataPool* pool = b.pool(p->layout.pool);
      if (!pool) continue;  // a pool dropped from the config: nothing to do here
      if (auto s = remove_data(*pool, p->layout.data_id, object_count(p->info.size, p->layout.block_size)); !s)
        return s;
    }
    if (page.empty()) break;
    after = page.rbegin()->first;
  }
  return {};
}

namespace {

// The key and upload id a U entry name carries; false when it is malformed.
bool split_upload_entry(std::string_view name, std::string& key, std::string& upload_id) {
  const std::string_view rest = name.substr(1);
  const size_t tail = keys::kUploadIdLen + keys::kKeyEnd.size();
  if (rest.size() < tail || rest.substr(rest.size() - tail, keys::kKeyEnd.size()) != keys::kKeyEnd) return false;
  key = keys::unescape_key(rest.substr(0, rest.size() - tail));
  upload_id = std::string(rest.substr(rest.size() - keys::kUploadIdLen));
  return true;
}

// One upload a dead gateway left in a transient state; true when it was acted on.
s3::Result<bool> sweep_upload(Backend& b, std::string_view bucket, const ShardRef& shard, const std::string& name,
                              const std::string& raw, int64_t now) {
  StoredUpload u;
  u.shard = shard.oid;
  u.gen = shard.gen;  // as read with the page: a split since then fails the guarded changes
  u.raw = raw;
  u.state = upload_state(raw);
  if (u.state == kOpen || u.state.empty()) return false;
  json j = json::parse(raw, nullptr, false);
  auto info = decode_upload_info(raw);
  if (!j.is_object() || !info || !split_upload_entry(name, info->key, info->upload_id)) return false;
  u.info = std::move(*info);
  u.info.bucket = std::string(bucket);  // finish_upload reads the upload again after a split
  if (!j.contains("state_ms") || !j["state_ms"].is_number_integer()) {
    // Left by a silt before the sweeper: its clock starts now.
    j["state_ms"] = now;
    (void)swap_upload(b, u, j.dump(), false);
    return false;
  }
  if (j["state_ms"].get<int64_t>() + b.cfg.intent_timeout_ms > now) return false;  // its gateway may be at it
  if (u.state == kAborting || u.state == kCompleted) {
    if (auto s = finish_upload(b, u); !s) return s.error();
    return true;
  }
  // completing: the Complete's gateway died after the freeze. Its client got no answer,
  // and the part list it sent is not kept, so nothing may be made of it here: as on S3
  // after a failed Complete, the upload is in progress again (open: parts may be sent,
  // the client retries its Complete or aborts; a lifecycle rule aborts it when due).
  const int r = swap_upload(b, u, encode_upload(u.info, kOpen), false);
  if (r < 0 && r != -ECANCELED && r != -ENOENT) return rados_error("reopen upload in", shard.oid, r);
  return r == 0;
}

}  // namespace

s3::Result<uint64_t> sweep_uploads(Backend& b, std::string_view bucket, const std::string& shard, int64_t now) {
  uint64_t done = 0;
  std::string after;
  for (bool more = true; more;) {
    std::map<std::string, bufferlist> page, attrs;
    librados::ObjectReadOperation rd;
    int rv = 0, rv_attrs = 0;
    rd.getxattrs(&attrs, &rv_attrs);
    rd.omap_get_vals2(after, "U", 256, &page, &more, &rv);
    const int r = b.index.operate(shard, &rd, nullptr);
    if (r == -ENOENT) return done;
    if (r < 0) return rados_error("list uploads of", shard, r);
    const ShardRef ref{shard, attrs.count(kGenXattr) ? attrs[kGenXattr].to_str() : std::string()};
    for (const auto& [name, value] : page) {
      auto acted = sweep_upload(b, bucket, ref, name, value.to_str(), now);
      if (!acted) return acted.error();
      done += *acted ? 1 : 0;
    }
    if (page.empty()) break;
    after = page.rbegin()->first;
  }
  return done;
}

}  // namespace silt::rados
