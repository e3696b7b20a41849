// The repair queue: H keys (index/keys.h), one per degraded version.
#include <leveldb/iterator.h>

#include "index/db_util.h"
#include "index/index.h"
#include "index/keys.h"
#include "index/meta_json.h"

namespace silt {

using dbu::db_error;
using dbu::starts_with;
using dbu::view;

namespace {

std::string heal_key(const HealItem& item) {
  return keys::heal(item.bucket, item.key, item.version_id);
}

// H<bucket>\0<ekey>\0\1<version id>; false when the key is not one of ours.
bool parse_heal_key(std::string_view k, HealItem& out) {
  if (k.empty() || k[0] != keys::kHeal) return false;
  size_t nul = k.find('\0', 1);
  if (nul == std::string_view::npos) return false;
  size_t end = k.find(keys::kKeyEnd, nul + 1);
  if (end == std::string_view::npos) return false;
  out.bucket = std::string(k.substr(1, nul - 1));
  out.key = keys::unescape_key(k.substr(nul + 1, end - nul - 1));
  out.version_id = std::string(k.substr(end + keys::kKeyEnd.size()));
  return true;
}

}  // namespace

s3::Status Index::queue_heal(const HealItem& item) {
  nlohmann::json j = {{"reason", item.reason}, {"queued_ms", item.queued_ms}};
  leveldb::Status st = db_->Put(leveldb::WriteOptions(), heal_key(item), dump_json(j));
  if (!st.ok()) return db_error("queue heal", st);
  return {};
}

s3::Result<std::vector<HealItem>> Index::heal_items(size_t max) {
  std::vector<HealItem> out;
  const std::string prefix(1, keys::kHeal);
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && starts_with(it->key(), prefix) && out.size() < max; it->Next()) {
    HealItem item;
    if (!parse_heal_key(view(it->key()), item)) continue;
    auto j = nlohmann::json::parse(view(it->value()), nullptr, false);
    if (j.is_object()) {
      item.reason = j.value("reason", "");
      item.queued_ms = j.value("queued_ms", int64_t{0});
    }
    out.push_back(std::move(item));
  }
  if (!it->status().ok()) return db_error("list heal queue", it->status());
  return out;
}

s3::Status Index::drop_heal(const HealItem& item) {
  leveldb::Status st = db_->Delete(leveldb::WriteOptions(), heal_key(item));
  if (!st.ok()) return db_error("drop heal item", st);
  return {};
}

s3::Result<uint64_t> Index::heal_backlog() {
  uint64_t n = 0;
  const std::string prefix(1, keys::kHeal);
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && starts_with(it->key(), prefix); it->Next()) ++n;
  if (!it->status().ok()) return db_error("count heal queue", it->status());
  return n;
}

}  // namespace silt
