#include "rados/transition.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "rados/frames.h"
#include "rados/gc.h"
#include "rados/objects.h"
#include "rados/reader.h"
#include "rados/stripe_writer.h"
#include "util/time.h"

namespace silt::rados {

namespace {

std::string class_of(const ObjectRecord& rec) {
  return rec.info.meta.storage_class.empty() ? "STANDARD" : rec.info.meta.storage_class;
}

s3::Error changed() {
  return s3::Error(s3::Code::NoSuchKey, "The version changed or was deleted during its storage class transition.");
}

// Copies `size` bytes from reader into w, stripe by stripe; pace is called with each
// stripe's size before it is read, and stops the copy with an error.
s3::Status copy_stream(Backend& b, ObjectReader& reader, uint64_t size, StripeWriter& w,
                       const std::function<s3::Status(uint64_t)>& pace) {
  const uint32_t stripe = b.cfg.stripe_bytes;
  std::string buf(stripe, '\0');
  for (uint64_t done = 0; done < size;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(stripe, size - done));
    if (auto s = pace(want); !s) return s;
    size_t got = 0;
    while (got < want) {
      auto n = reader.read(buf.data() + got, want - got);
      if (!n) return n.error();
      if (*n == 0) return s3::Error(s3::Code::InternalError, "rados: the version's data ended early");
      got += *n;
    }
    if (auto s = w.append(buf.data(), want); !s) return s;
    done += want;
  }
  return w.finish();
}

}  // namespace

s3::Result<uint64_t> transition_version(Backend& b, std::string_view bucket, std::string_view key,
                                        std::string_view version_id, std::string_view storage_class, DataPool& to,
                                        const std::function<void(uint64_t)>& before_chunk) {
  auto found = read_version(b, bucket, key, version_id);
  if (!found) return found.error();
  const ObjectRecord old = std::move(*found);
  if (class_of(old) == storage_class) return uint64_t{0};
  const std::string first = old.primary_data_id();
  const std::string vid = old.info.version_id;  // from here on, exactly this version

  if (is_inline(old) || old.layout.pool == to.cfg.name || old.parts.empty()) {
    // Nothing to move: the data stays where it is, the version changes its class.
    // The hook still runs once, as for a copy: the caller paces by it (and tests race it).
    if (before_chunk) before_chunk(old.info.size);
    auto done = modify_object(b, bucket, key, vid, [&](ObjectRecord& r) -> s3::Status {
      if (r.primary_data_id() != first) return changed();
      r.info.meta.storage_class = std::string(storage_class);
      return {};
    });
    if (!done) return done.error().code == s3::Code::NoSuchVersion ? changed() : done.error();
    return uint64_t{0};
  }
  DataPool* from = b.pool(old.layout.pool);
  if (!from) return s3::Error(s3::Code::InternalError, "rados: the version's pool " + old.layout.pool + " is gone");
  auto shard = b.shard_for(bucket, key);
  if (!shard) return shard.error();

  // One writer per stream: each records its write intent before its first data object,
  // renews it while the copy runs, and removes its data unless the flip names it.
  std::vector<std::unique_ptr<StripeWriter>> copies;
  // The lifecycle's pace, and the intents of the streams copied already, renewed as the
  // one being written renews its own: a long copy of a later part is no dead writer's.
  auto pace = [&](uint64_t n) -> s3::Status {
    if (before_chunk) before_chunk(n);
    for (size_t j = 0; j + 1 < copies.size(); ++j)
      if (auto s = copies[j]->keep_intent(); !s) return s;
    return {};
  };
  ObjectRecord moved = old;
  moved.layout = ObjectLayout{to.profile.k, to.profile.m, b.cfg.stripe_bytes, "", {}, to.cfg.name, compression(to), 0};
  moved.info.stored_bytes = 0;
  for (PartRecord& p : moved.parts) {
    // The old stream (a single PUT's data or one part) as a record of its own to read.
    ObjectRecord one;
    one.info.size = p.size;
    one.layout = old.layout;
    one.layout.data_id = p.data_id;
    auto reader = open_reader(b, shard->oid, one, 0, p.size);
    if (!reader) return reader.error();
    copies.push_back(std::make_unique<StripeWriter>(b, to, std::string(bucket), std::string(key)));
    StripeWriter& w = *copies.back();
    if (auto s = copy_stream(b, **reader, p.size, w, pace); !s) return s.error();
    p.data_id = w.data_id();
    p.distribution = identity_distribution(to.profile.k + to.profile.m);
    p.stored = w.stored_bytes();
    moved.info.stored_bytes += p.stored;
  }
  if (!old.multipart()) {
    moved.layout.data_id = moved.parts.front().data_id;
    moved.layout.distribution = identity_distribution(to.profile.k + to.profile.m);
    moved.parts.front().distribution.clear();
  }

  // The flip: only if the version still has the data copied, in one guarded op that
  // also drops our intents and queues the old data for GC.
  int intents_rv = 0;
  auto done = modify_object(
      b, bucket, key, vid,
      [&](ObjectRecord& r) -> s3::Status {
        if (r.primary_data_id() != first) return changed();
        r.layout = moved.layout;
        r.parts = moved.parts;
        r.info.stored_bytes = moved.info.stored_bytes;
        r.info.meta.storage_class = std::string(storage_class);
        return {};
      },
      [&](int attempt, librados::ObjectWriteOperation& op, std::map<std::string, bufferlist>& set,
          std::set<std::string>& rm) -> s3::Status {
        // Our intents must still be there (not swept as a dead writer's), and go with it.
        std::map<std::string, std::pair<bufferlist, int>> cmp;
        for (const auto& w : copies) {
          if (w->intent_raw().empty()) continue;  // an empty stream wrote no intent
          if (attempt > 0)                        // lost a race: a copy the sweeper took stops here
            if (auto s = w->intent_intact(); !s) return s;
          cmp.emplace(intent_entry(w->data_id()), std::make_pair(to_bl(w->intent_raw()), LIBRADOS_CMPXATTR_OP_EQ));
          rm.insert(intent_entry(w->data_id()));
        }
        if (!cmp.empty()) op.omap_cmp(cmp, &intents_rv);
        for (auto& [name, value] : gc_items(old, now_ms() + b.cfg.gc_grace_ms)) set.emplace(name, to_bl(value));
        return {};
      });
  if (!done) return done.error().code == s3::Code::NoSuchVersion ? changed() : done.error();
  for (auto& w : copies) w->committed();
  return old.info.size;
}

}  // namespace silt::rados
