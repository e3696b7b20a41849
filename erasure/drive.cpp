#include "erasure/drive.h"

#include <cstdio>
#include <optional>

#include <nlohmann/json.hpp>

#include "erasure/fs.h"
#include "erasure/random_id.h"

namespace silt {
namespace {

constexpr const char* kFormatFile = "/format.json";

s3::Status write_format(const std::string& root, const DriveFormat& f) {
  if (auto s = fs::make_dirs(root); !s) return s;
  // A unique temporary name: several writers may notice a wiped drive at once.
  std::string tmp = root + "/format.json." + random_hex_id() + ".tmp";
  if (auto s = fs::write_file_synced(tmp, encode_drive_format(f)); !s) return s;
  if (::rename(tmp.c_str(), (root + kFormatFile).c_str()) != 0) return fs::io_error("rename", tmp);
  return fs::fsync_dir(root);
}

}  // namespace

std::string encode_drive_format(const DriveFormat& f) {
  nlohmann::json j = {{"format", "silt-drive"}, {"version", 1},         {"set_id", f.set_id},
                      {"drive_id", f.drive_id}, {"index", f.index}, {"drive_count", f.drive_count}};
  return j.dump(2) + "\n";
}

s3::Result<DriveFormat> decode_drive_format(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("format", "") != "silt-drive" || j.value("version", 0) != 1)
    return s3::Error(s3::Code::InternalError, "not a silt format.json");
  DriveFormat f;
  f.set_id = j.value("set_id", "");
  f.drive_id = j.value("drive_id", "");
  f.index = j.value("index", -1);
  f.drive_count = j.value("drive_count", 0);
  if (f.set_id.empty() || f.drive_id.empty() || f.index < 0)
    return s3::Error(s3::Code::InternalError, "format.json lacks set_id, drive_id or index");
  return f;
}

s3::Status Drive::ensure_ready() const {
  if (!fs::exists(root_ + kFormatFile)) {
    if (auto s = write_format(root_, format_); !s) return s;
  }
  if (!fs::exists(tmp_root()))
    if (auto s = fs::make_dirs(tmp_root()); !s) return s;
  if (!fs::exists(data_root()))
    if (auto s = fs::make_dirs(data_root()); !s) return s;
  return {};
}

s3::Result<std::vector<Drive>> open_drives(const std::vector<std::string>& roots, int max_unusable) {
  const int n = static_cast<int>(roots.size());
  std::vector<std::optional<DriveFormat>> found(roots.size());
  std::string set_id;
  for (size_t i = 0; i < roots.size(); ++i) {
    std::string path = roots[i] + kFormatFile;
    if (!fs::exists(path)) continue;
    auto text = fs::read_file(path);
    if (!text) return text.error();
    auto f = decode_drive_format(*text);
    if (!f) return s3::Error(s3::Code::InternalError, path + ": " + f.error().message);
    if (f->index != static_cast<int>(i) || f->drive_count != n)
      return s3::Error(s3::Code::InternalError, path + " says drive " + std::to_string(f->index) + " of " +
                                                    std::to_string(f->drive_count) + ", but it is listed as drive " +
                                                    std::to_string(i) + " of " + std::to_string(n));
    if (!set_id.empty() && f->set_id != set_id)
      return s3::Error(s3::Code::InternalError, path + " belongs to another drive set (" + f->set_id + " vs " + set_id + ")");
    set_id = f->set_id;
    found[i] = std::move(*f);
  }
  if (set_id.empty()) set_id = random_hex_id();

  std::vector<Drive> drives;
  int unusable = 0;
  for (size_t i = 0; i < roots.size(); ++i) {
    DriveFormat f;
    if (found[i]) {
      f = *found[i];
    } else {
      f = DriveFormat{set_id, random_hex_id(), static_cast<int>(i), n};
    }
    drives.emplace_back(roots[i], std::move(f));
    if (auto s = drives.back().ensure_ready(); !s && ++unusable > max_unusable)
      return s3::Error(s3::Code::InternalError, "too many unusable drives; last: " + s.error().message);
  }
  return drives;
}

}  // namespace silt
