#include "lifecycle/evaluate.h"

#include <algorithm>

#include "util/time.h"
#include "util/uri.h"

namespace silt::lifecycle {

namespace {

bool applies(const Rule& r, const ObjectState& obj) {
  return r.enabled && matches(r.filter, obj.key, obj.size, obj.tags);
}

// The latest-due of the candidates already due; the first given wins a tie.
struct Best {
  std::optional<int64_t> due;
  const Rule* rule = nullptr;
  const std::string* storage_class = nullptr;
  void offer(int64_t d, const Rule& r, const std::string& cls) {
    if (!due || d > *due) due = d, rule = &r, storage_class = &cls;
  }
};

Action transition_or_none(const Best& best, const ObjectState& obj) {
  if (!best.rule || *best.storage_class == obj.storage_class) return {};
  return {ActionKind::Transition, best.rule->id, *best.storage_class};
}

Action evaluate_current(const Configuration& config, const ObjectState& obj, int64_t now_ms, int64_t day_ms) {
  if (obj.delete_marker) {
    // A delete marker alone is expired by ExpiredObjectDeleteMarker at once, and by an
    // Expiration in Days once it is that old (S3 does the same cleanup there).
    if (!obj.only_version) return {};
    for (auto& r : config.rules) {
      if (!applies(r, obj)) continue;
      if (r.expired_object_delete_marker ||
          (r.expiration_days && due_ms(obj.mtime_ms, *r.expiration_days, day_ms) <= now_ms))
        return {ActionKind::DeleteVersion, r.id, {}};
    }
    return {};
  }
  if (auto e = expiration_of(config, obj, day_ms); e && e->date_ms <= now_ms)
    return {ActionKind::Expire, e->rule_id, {}};
  Best best;
  for (auto& r : config.rules) {
    if (!applies(r, obj)) continue;
    for (auto& t : r.transitions) {
      int64_t due = t.date_ms ? *t.date_ms : due_ms(obj.mtime_ms, t.days.value_or(0), day_ms);
      if (due <= now_ms) best.offer(due, r, t.storage_class);
    }
  }
  return transition_or_none(best, obj);
}

Action evaluate_noncurrent(const Configuration& config, const ObjectState& obj, int64_t now_ms, int64_t day_ms) {
  // NewerNoncurrentVersions N keeps the N newest noncurrent versions whatever their age.
  auto kept = [&](const std::optional<int>& newer) { return newer && obj.newer_noncurrent < *newer; };
  for (auto& r : config.rules) {
    if (!applies(r, obj) || !r.noncurrent_expiration_days || kept(r.noncurrent_newer_versions)) continue;
    if (due_ms(obj.noncurrent_since_ms, *r.noncurrent_expiration_days, day_ms) <= now_ms)
      return {ActionKind::DeleteVersion, r.id, {}};
  }
  if (obj.delete_marker) return {};  // a marker has no data to move
  Best best;
  for (auto& r : config.rules) {
    if (!applies(r, obj)) continue;
    for (auto& t : r.noncurrent_transitions) {
      if (kept(t.newer_noncurrent_versions)) continue;
      int64_t due = due_ms(obj.noncurrent_since_ms, t.noncurrent_days, day_ms);
      if (due <= now_ms) best.offer(due, r, t.storage_class);
    }
  }
  return transition_or_none(best, obj);
}

}  // namespace

int64_t due_ms(int64_t from_ms, int days, int64_t day_ms) {
  int64_t t = from_ms + static_cast<int64_t>(days) * day_ms;
  if (day_ms != kRealDayMs) return t;
  int64_t into = ((t % kRealDayMs) + kRealDayMs) % kRealDayMs;
  return into == 0 ? t : t - into + kRealDayMs;
}

bool matches(const Filter& f, std::string_view key, uint64_t size,
             const std::vector<std::pair<std::string, std::string>>& tags) {
  if (key.substr(0, f.prefix.size()) != f.prefix) return false;
  if (f.size_greater_than && !(size > *f.size_greater_than)) return false;
  if (f.size_less_than && !(size < *f.size_less_than)) return false;
  return std::all_of(f.tags.begin(), f.tags.end(),
                     [&](const auto& want) { return std::find(tags.begin(), tags.end(), want) != tags.end(); });
}

Action evaluate(const Configuration& config, const ObjectState& obj, int64_t now_ms, int64_t day_ms) {
  return obj.is_latest ? evaluate_current(config, obj, now_ms, day_ms)
                       : evaluate_noncurrent(config, obj, now_ms, day_ms);
}

std::optional<Expiry> expiration_of(const Configuration& config, const ObjectState& obj, int64_t day_ms) {
  if (!obj.is_latest || obj.delete_marker) return std::nullopt;
  std::optional<Expiry> best;
  for (auto& r : config.rules) {
    if (!applies(r, obj)) continue;
    std::optional<int64_t> due;
    if (r.expiration_date_ms) due = *r.expiration_date_ms;
    if (r.expiration_days) due = due_ms(obj.mtime_ms, *r.expiration_days, day_ms);
    // "If two expiration policies overlap, the shorter expiration policy is honored."
    if (due && (!best || *due < best->date_ms)) best = Expiry{*due, r.id};
  }
  return best;
}

std::string expiration_header(const Expiry& e) {
  // S3 documents the rule-id in this header as URL-encoded; that also keeps quotes and
  // line breaks an ID may hold out of the header.
  return "expiry-date=\"" + http_date(e.date_ms) + "\", rule-id=\"" + uri_encode(e.rule_id, false) + "\"";
}

bool abort_due(const Configuration& config, std::string_view key, int64_t initiated_ms, int64_t now_ms,
               int64_t day_ms) {
  // parse_configuration refuses tag and size filters beside this action, so the prefix decides.
  return std::any_of(config.rules.begin(), config.rules.end(), [&](const Rule& r) {
    return r.enabled && r.abort_incomplete_days && key.substr(0, r.filter.prefix.size()) == r.filter.prefix &&
           due_ms(initiated_ms, *r.abort_incomplete_days, day_ms) <= now_ms;
  });
}

}  // namespace silt::lifecycle
