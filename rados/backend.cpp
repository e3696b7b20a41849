#include "rados/backend.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "index/keys.h"
#include "rados/buckets.h"

namespace silt::rados {

std::string shard_oid(std::string_view bucket_id) {
  return "silt.b." + std::string(bucket_id) + ".s.0";
}
std::string bucket_entry(std::string_view bucket) {
  return "B" + std::string(bucket);
}
std::string config_scope(std::string_view bucket) {
  return "C" + std::string(bucket) + std::string(1, '\0');
}
std::string config_entry(std::string_view bucket, std::string_view name) {
  return config_scope(bucket) + std::string(name);
}
std::string object_entry(std::string_view key) {
  return "O" + std::string(key);
}
std::string version_entry(std::string_view key, std::string_view vkey) {
  return "V" + keys::escape_key(key) + std::string(keys::kKeyEnd) + std::string(vkey);
}
std::string upload_scope(std::string_view key_prefix) {
  return "U" + keys::escape_key(key_prefix);
}
std::string upload_entry(std::string_view key, std::string_view upload_id) {
  return upload_scope(key) + std::string(keys::kKeyEnd) + std::string(upload_id);
}
std::string parts_scope(std::string_view key, std::string_view upload_id) {
  return "P" + keys::escape_key(key) + std::string(keys::kKeyEnd) + std::string(upload_id);
}
std::string part_entry(std::string_view key, std::string_view upload_id, int number) {
  char n[8];
  std::snprintf(n, sizeof n, "%05d", number);
  return parts_scope(key, upload_id) + n;
}
std::string inline_entry(std::string_view data_id) {
  return "D" + std::string(data_id);
}
std::string intent_entry(std::string_view data_id) {
  return "I" + std::string(data_id);
}
std::string gc_entry(int64_t due_ms, std::string_view data_id) {
  char due[17];
  std::snprintf(due, sizeof due, "%016llx", static_cast<unsigned long long>(due_ms));
  return "G" + std::string(due) + std::string(data_id);
}
std::string data_oid(std::string_view data_id, uint64_t n) {
  return std::string(data_id) + "." + std::to_string(n);
}

std::string random_id() {
  thread_local std::random_device rd;  // the kernel CSPRNG on Linux
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (int i = 0; i < 4; ++i) {
    uint32_t v = rd();
    for (int j = 0; j < 8; ++j) out.push_back(kHex[(v >> (4 * j)) & 0xf]);
  }
  return out;
}

void backoff(int attempt) {
  // 0, 1, 2 ... ms, up to 20: contention on one shard clears within a few commits.
  thread_local std::minstd_rand jitter(std::random_device{}());
  const int ms = std::min(attempt, 20);
  if (ms > 0) std::this_thread::sleep_for(std::chrono::microseconds(ms * 500 + static_cast<int>(jitter() % 1000)));
}

s3::Error contention(std::string_view what) {
  return s3::Error(s3::Code::SlowDown, "Please reduce your request rate: " + std::string(what) + " lost " +
                                           std::to_string(kMaxAttempts) + " races in a row.");
}

s3::Error intent_lost() {
  return s3::Error(s3::Code::InternalError,
                   "The write stalled longer than the write-intent timeout and its data was reclaimed; please retry.");
}

DataPool* Backend::pool(std::string_view name) const {
  for (const auto& p : pools)
    if (p->cfg.name == name) return p.get();
  return nullptr;
}

DataPool* Backend::pool_for_class(std::string_view storage_class) const {
  for (const auto& [cls, p] : classes)
    if (cls == storage_class) return p;
  return nullptr;
}

s3::Result<std::shared_ptr<const ShardMap>> Backend::shard_map(std::string_view bucket) {
  {
    std::lock_guard lock(cache_mu_);
    if (auto it = maps_.find(bucket); it != maps_.end()) return it->second;
  }
  auto rec = read_bucket(*this, bucket);
  if (!rec) return rec.error();
  auto m = load_shard_map(*this, rec->record.id);
  if (!m) return m.error();
  m->packed = rec->record.packed_list;
  auto shared = std::make_shared<const ShardMap>(std::move(*m));
  std::lock_guard lock(cache_mu_);
  maps_[std::string(bucket)] = shared;
  return shared;
}

s3::Result<ShardRef> Backend::shard_for(std::string_view bucket, std::string_view key) {
  auto m = shard_map(bucket);
  if (!m) return m.error();
  return (*m)->ranges[(*m)->index_of(key)].shard;
}

void Backend::forget_bucket(std::string_view bucket) {
  std::lock_guard lock(cache_mu_);
  if (auto it = maps_.find(bucket); it != maps_.end()) maps_.erase(it);
}

std::optional<Backend::ShardHint> Backend::shard_hint(std::string_view oid) {
  std::lock_guard lock(hint_mu_);
  if (auto it = hints_.find(oid); it != hints_.end()) return it->second;
  return std::nullopt;
}

void Backend::note_shard(std::string_view oid, const ShardHint& hint) {
  std::lock_guard lock(hint_mu_);
  if (auto it = hints_.find(oid); it != hints_.end()) {
    it->second = hint;
    return;
  }
  if (hints_.size() >= kMaxHints) hints_.clear();
  hints_.emplace(std::string(oid), hint);
}

bool Backend::count_commits(std::map<std::string, uint64_t, std::less<>>& counters, const std::string& oid,
                            uint64_t commits, uint64_t every) {
  std::lock_guard lock(split_mu);
  uint64_t& n = counters[oid];
  if ((n += commits) < every) return false;
  n = 0;
  return true;
}

void Backend::uncount_commits(std::map<std::string, uint64_t, std::less<>>& counters, const std::string& oid,
                              uint64_t every) {
  std::lock_guard lock(split_mu);
  counters[oid] = std::max(counters[oid], every - 1);
}

}  // namespace silt::rados
