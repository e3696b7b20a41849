// What a lifecycle configuration asks of one object version or upload at a given time:
// pure decisions, no I/O. The worker, the x-amz-expiration header and the horizon
// simulation (`silt admin lifecycle simulate`, which calls these with a future now_ms)
// all decide here, so they cannot disagree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lifecycle/rules.h"

namespace silt::lifecycle {

inline constexpr int64_t kRealDayMs = 86400000;

struct ObjectState {
  std::string key;
  uint64_t size = 0;
  std::vector<std::pair<std::string, std::string>> tags;
  int64_t mtime_ms = 0;
  bool is_latest = true;
  bool delete_marker = false;
  int64_t noncurrent_since_ms = 0;  // when it stopped being current (mtime of the next newer version); noncurrent only
  int newer_noncurrent = 0;         // noncurrent versions of the key newer than this one
  bool only_version = false;        // delete marker with no other versions left (ExpiredObjectDeleteMarker)
  std::string storage_class = "STANDARD";
  bool versioned_bucket = false;
};

enum class ActionKind {
  None,
  Expire,         // the current version: deleted, or hidden under a new delete marker if versioned
  DeleteVersion,  // this very version (a noncurrent one, or an expired delete marker) removed for good
  Transition,     // re-encoded into storage_class
};

struct Action {
  ActionKind kind = ActionKind::None;
  std::string rule_id;
  std::string storage_class;  // Transition only
};

// When something `days` lifecycle days after from_ms falls due. day_ms is the length of a
// lifecycle day: with the real day, S3's rule (from + N days, rounded up to the next midnight
// UTC); with a shortened one (--lifecycle-day-seconds), exactly from + N * day_ms.
int64_t due_ms(int64_t from_ms, int days, int64_t day_ms);

// Whether the rule's filter selects the object (prefix, every tag, strict size bounds).
bool matches(const Filter& f, std::string_view key, uint64_t size,
             const std::vector<std::pair<std::string, std::string>>& tags);

// The action due for the version at now_ms. Disabled rules are ignored; an expiration wins
// over a transition; of the transitions due, the one due last is taken (nothing if the
// object is already in that class).
Action evaluate(const Configuration& config, const ObjectState& obj, int64_t now_ms, int64_t day_ms);

// x-amz-expiration for a current object: the earliest expiration among enabled matching rules.
struct Expiry {
  int64_t date_ms;
  std::string rule_id;
};
std::optional<Expiry> expiration_of(const Configuration& config, const ObjectState& obj, int64_t day_ms);
// expiry-date="Fri, 23 Dec 2012 00:00:00 GMT", rule-id="..."
std::string expiration_header(const Expiry& e);

// Whether an incomplete multipart upload of key, initiated at initiated_ms, is to be aborted.
bool abort_due(const Configuration& config, std::string_view key, int64_t initiated_ms, int64_t now_ms, int64_t day_ms);

}  // namespace silt::lifecycle
