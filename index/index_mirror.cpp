// The index's side of the drive mirror (index/drive_mirror.h): what the drives
// must hold, read from one snapshot so startup can bring them in line.
#include <leveldb/iterator.h>

#include "index/db_util.h"
#include "index/index.h"
#include "index/keys.h"

namespace silt {

using dbu::starts_with;

s3::Result<MirrorState> Index::mirror_state() {
  MirrorState out;
  dbu::Snapshot snap(db_.get());
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(snap.ro));
  const std::string buckets(1, keys::kBucket);
  for (it->Seek(buckets); it->Valid() && starts_with(it->key(), buckets); it->Next())
    out.buckets[std::string(dbu::view(it->key()).substr(1))].record_json = it->value().ToString();
  const std::string configs(1, keys::kConfig);
  for (it->Seek(configs); it->Valid() && starts_with(it->key(), configs); it->Next()) {
    std::string_view k = dbu::view(it->key()).substr(1);
    size_t nul = k.find('\0');
    if (nul == std::string_view::npos) continue;
    auto b = out.buckets.find(std::string(k.substr(0, nul)));
    if (b != out.buckets.end()) b->second.configs.emplace_back(std::string(k.substr(nul + 1)), it->value().ToString());
  }
  const std::string uploads(1, keys::kUpload);
  for (it->Seek(uploads); it->Valid() && starts_with(it->key(), uploads); it->Next()) {
    auto u = decode_upload_info(dbu::view(it->value()));
    if (!u) return u.error();
    std::string_view k = dbu::view(it->key());
    if (k.size() > keys::kUploadIdLen) u->upload_id = std::string(k.substr(k.size() - keys::kUploadIdLen));
    out.uploads.push_back(std::move(*u));
  }
  const std::string parts(1, keys::kPart);
  for (it->Seek(parts); it->Valid() && starts_with(it->key(), parts); it->Next()) {
    auto p = decode_uploaded_part(dbu::view(it->value()));
    if (!p) return p.error();
    out.parts.push_back(std::move(*p));
  }
  if (!it->status().ok()) return dbu::db_error("iterate", it->status());
  return out;
}

}  // namespace silt
