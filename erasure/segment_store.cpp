#include "erasure/segment_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <utility>

#include "erasure/group_sync.h"
#include "erasure/segment_file.h"
#include "erasure/segments.h"

namespace silt {

void SegmentStore::settle(uint64_t segment) {
  std::lock_guard lock(mu_);
  if (auto it = pending_.find(segment); it != pending_.end() && --it->second == 0) pending_.erase(it);
}

bool SegmentStore::has_pending(uint64_t segment) const {
  std::lock_guard lock(mu_);
  return pending_.count(segment) > 0;
}

void SegmentStore::add_dead(uint64_t bytes) {
  std::lock_guard lock(mu_);
  dead_ += bytes;
}

uint64_t SegmentStore::take_dead() {
  std::lock_guard lock(mu_);
  return std::exchange(dead_, 0);
}

uint64_t SegmentStore::open_segment() const {
  std::lock_guard lock(mu_);
  return fd_.valid() ? id_ : 0;
}

s3::Status SegmentStore::open_new() {
  const std::string dir = segments_dir(root_);
  if (auto s = fs::make_dirs(dir); !s) return s;
  // Never append to a segment an earlier process wrote: its tail may be torn.
  uint64_t next = id_ + 1;
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(dir, ec)) {
    uint64_t id = 0;
    if (parse_segment_name(f.path().filename().string(), id) && id >= next) next = id + 1;
  }
  if (ec) return fs::io_error("list", dir);
  const std::string path = segment_path(root_, next);
  fs::Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600));
  if (!fd.valid()) return fs::io_error("create", path);
  const std::string h = encode_segment_file_header(next);
  if (auto s = fs::write_all(fd.get(), h.data(), h.size(), path); !s) return s;
  fd_ = std::move(fd);
  id_ = next;
  size_ = h.size();
  return {};
}

s3::Result<SegmentStore::Placed> SegmentStore::append(std::string_view entry, bool pending) {
  std::lock_guard lock(mu_);
  if (fd_.valid()) {
    struct stat st;
    // Removed (drive wiped and formatted again) or full: start another.
    if (::fstat(fd_.get(), &st) != 0 || st.st_nlink == 0 || size_ >= target_) fd_.reset();
  }
  if (!fd_.valid())
    if (auto s = open_new(); !s) return s.error();
  Placed p{id_, size_};
  const std::string path = segment_path(root_, id_);
  ssize_t w;
  do {
    w = ::write(fd_.get(), entry.data(), entry.size());
  } while (w < 0 && errno == EINTR);
  if (w != static_cast<ssize_t>(entry.size())) {
    // A short or failed write leaves a torn entry: scans stop there, so no
    // later entry may follow it in this file.
    fd_.reset();
    return w < 0 ? fs::io_error("write", path) : s3::Error(s3::Code::InternalError, "short write to " + path);
  }
  size_ += entry.size();
  if (pending) ++pending_[p.segment];
  return p;
}

std::vector<s3::Result<SegmentStore::Placed>> append_durably(
    Segments& segments, GroupSyncs& group_syncs, const std::vector<std::pair<std::string, std::string>>& entries,
    PendingShards* pending) {
  std::vector<s3::Result<SegmentStore::Placed>> out;
  std::vector<GroupSync*> syncs(entries.size(), nullptr);
  for (size_t i = 0; i < entries.size(); ++i) {
    SegmentStore& store = segments.store(entries[i].first);
    out.push_back(store.append(entries[i].second, pending != nullptr));
    if (out[i] && pending) pending->add(store, out[i]->segment);
    if (out[i] && !(syncs[i] = group_syncs.of(entries[i].first)))
      out[i] = fs::io_error("open for syncfs", entries[i].first);
  }
  wait_all_syncs(syncs, [&](size_t i, const s3::Error& e) { out[i] = e; });
  return out;
}

}  // namespace silt
