#include "erasure/segment_fds.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "erasure/segment_file.h"

namespace silt {

namespace {
// Still the file its path names? A descriptor of an unlinked file (the drive wiped, the
// segment reclaimed by another route) would go on reading the old bytes.
bool linked(const OpenFile& f) {
  struct stat st;
  return ::fstat(f.fd.get(), &st) == 0 && st.st_nlink > 0;
}
}  // namespace

s3::Result<std::shared_ptr<const OpenFile>> SegmentFds::open(const std::string& root, uint64_t id) {
  std::shared_ptr<const OpenFile> cached;
  {
    std::lock_guard lock(mu_);
    if (auto r = open_.find(root); r != open_.end())
      if (auto it = r->second.find(id); it != r->second.end()) cached = it->second;
  }
  if (cached && linked(*cached)) return cached;
  auto file = std::make_shared<OpenFile>();
  file->path = segment_path(root, id);
  file->fd = fs::Fd(::open(file->path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file->fd.valid()) {
    auto err = fs::io_error("open", file->path);
    if (cached) forget(root, id);
    return err;
  }
  std::lock_guard lock(mu_);
  if (count_ >= kMaxOpen) {
    open_.clear();
    count_ = 0;
  }
  auto& ids = open_[root];
  if (ids.insert_or_assign(id, file).second) ++count_;
  return std::shared_ptr<const OpenFile>(std::move(file));
}

void SegmentFds::forget(const std::string& root, uint64_t id) {
  std::lock_guard lock(mu_);
  if (auto r = open_.find(root); r != open_.end()) count_ -= r->second.erase(id);
}

size_t SegmentFds::size() const {
  std::lock_guard lock(mu_);
  return count_;
}

}  // namespace silt
