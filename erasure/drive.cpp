#include "erasure/drive.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <tuple>

#include "erasure/fs.h"
#include "util/random_id.h"
#include "util/time.h"

namespace silt {
namespace {

constexpr const char* kFormatFile = "/format.json";
constexpr const char* kHealingFile = "/healing.json";

s3::Status write_format(const std::string& root, const DriveFormat& f) {
  if (auto s = fs::make_dirs(root); !s) return s;
  // A unique temporary name: several writers may notice a wiped drive at once.
  std::string tmp = root + "/format.json." + random_hex_id() + ".tmp";
  if (auto s = fs::write_file_synced(tmp, encode_drive_format(f)); !s) return s;
  if (::rename(tmp.c_str(), (root + kFormatFile).c_str()) != 0) return fs::io_error("rename", tmp);
  return fs::fsync_dir(root);
}

s3::Status write_marker(const std::string& root) {
  nlohmann::json j = {{"format", "silt-healing"}, {"version", 1}, {"since_ms", now_ms()}};
  std::string tmp = root + "/healing.json." + random_hex_id() + ".tmp";
  if (auto s = fs::write_file_synced(tmp, j.dump() + "\n"); !s) return s;
  if (::rename(tmp.c_str(), (root + kHealingFile).c_str()) != 0) return fs::io_error("rename", tmp);
  return fs::fsync_dir(root);
}

}  // namespace

std::string encode_drive_format(const DriveFormat& f) {
  nlohmann::json j = {{"format", "silt-drive"}, {"version", 1},     {"set_id", f.set_id},
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

const char* drive_state_name(DriveState s) {
  switch (s) {
    case DriveState::Online: return "online";
    case DriveState::Healing: return "healing";
    case DriveState::Offline: return "offline";
  }
  return "offline";
}

std::string Drive::reason() const {
  std::lock_guard lock(health_->mu);
  return health_->reason;
}

void Drive::set_state(DriveState s, std::string reason) const {
  std::lock_guard lock(health_->mu);
  health_->reason = std::move(reason);
  health_->state.store(s);
}

s3::Status Drive::ensure_ready(bool mark_healing) const {
  if (!fs::exists(root_ + kFormatFile)) {
    // The marker first: should we crash in between, a formatted drive without
    // it would pass for one that holds its data.
    if (mark_healing) {
      if (auto s = fs::make_dirs(root_); !s) return s;
      if (auto s = write_marker(root_); !s) return s;
    }
    if (auto s = write_format(root_, format_); !s) return s;
    if (mark_healing) set_state(DriveState::Healing, "formatted again: it was empty or missing");
  }
  if (!fs::exists(tmp_root()))
    if (auto s = fs::make_dirs(tmp_root()); !s) return s;
  if (!fs::exists(data_root()))
    if (auto s = fs::make_dirs(data_root()); !s) return s;
  return {};
}

DriveState Drive::check() const {
  auto text = fs::read_file(root_ + kFormatFile);
  if (!text) {
    if (fs::exists(root_ + kFormatFile) || (fs::exists(root_) && !fs::is_dir(root_))) {
      set_state(DriveState::Offline, "unreadable: " + text.error().message);
      return DriveState::Offline;
    }
    if (auto s = ensure_ready(true); !s) {
      set_state(DriveState::Offline, "cannot format the empty drive: " + s.error().message);
      return DriveState::Offline;
    }
  } else {
    auto f = decode_drive_format(*text);
    if (!f) {
      set_state(DriveState::Offline, "format.json is damaged: " + f.error().message);
      return DriveState::Offline;
    }
    if (f->set_id != format_.set_id || f->drive_id != format_.drive_id) {
      set_state(DriveState::Offline,
                "holds drive " + std::to_string(f->index + 1) + " of " + std::to_string(f->drive_count) + " of set " +
                    f->set_id + (f->set_id == format_.set_id ? " (another slot's drive)" : " (another set)") +
                    ", not drive " + std::to_string(format_.index + 1) + " (" + format_.drive_id + ")");
      return DriveState::Offline;
    }
    if (auto s = ensure_ready(false); !s) {
      set_state(DriveState::Offline, "unusable: " + s.error().message);
      return DriveState::Offline;
    }
  }
  if (fs::exists(root_ + kHealingFile)) {
    if (state() != DriveState::Healing) set_state(DriveState::Healing, "being rebuilt from the other drives");
    return DriveState::Healing;
  }
  set_state(DriveState::Online, "");
  return DriveState::Online;
}

s3::Status Drive::finish_healing() const {
  if (::unlink((root_ + kHealingFile).c_str()) != 0 && errno != ENOENT)
    return fs::io_error("unlink", root_ + kHealingFile);
  if (auto s = fs::fsync_dir(root_); !s) return s;
  if (state() == DriveState::Healing) set_state(DriveState::Online, "");
  return {};
}

s3::Result<std::vector<Drive>> open_drives(const std::vector<std::string>& roots, int max_unusable) {
  const int n = static_cast<int>(roots.size());
  std::vector<std::optional<DriveFormat>> found(roots.size());
  std::vector<std::string> unreadable(roots.size());
  std::map<std::string, int> set_votes;
  for (size_t i = 0; i < roots.size(); ++i) {
    std::string path = roots[i] + kFormatFile;
    if (!fs::exists(path)) continue;
    auto text = fs::read_file(path);
    auto f = text ? decode_drive_format(*text) : s3::Result<DriveFormat>(text.error());
    if (!f) {
      unreadable[i] = path + ": " + f.error().message;
      continue;
    }
    found[i] = std::move(*f);
    ++set_votes[found[i]->set_id];
  }
  // The set most drives belong to; the others are foreign.
  std::string set_id;
  int votes = 0;
  for (const auto& [id, v] : set_votes)
    if (v > votes) std::tie(set_id, votes) = std::tie(id, v);
  const bool existing_set = !set_id.empty();
  if (!existing_set) set_id = random_hex_id();

  // Each formatted drive of the set goes to the slot its format names.
  std::vector<int> slot_of(roots.size(), -1);
  std::vector<int> root_in(static_cast<size_t>(n), -1);
  for (size_t i = 0; i < roots.size(); ++i) {
    const auto& f = found[i];
    if (!f || f->set_id != set_id || f->drive_count != n || f->index < 0 || f->index >= n ||
        root_in[static_cast<size_t>(f->index)] >= 0)
      continue;
    slot_of[i] = f->index;
    root_in[static_cast<size_t>(f->index)] = static_cast<int>(i);
    if (f->index != static_cast<int>(i))
      spdlog::warn("drive {} holds drive {} of the set: using it in that slot", roots[i], f->index + 1);
  }
  // The rest fill the free slots in order.
  int next_free = 0;
  for (size_t i = 0; i < roots.size(); ++i) {
    if (slot_of[i] >= 0) continue;
    while (root_in[static_cast<size_t>(next_free)] >= 0) ++next_free;
    slot_of[i] = next_free;
    root_in[static_cast<size_t>(next_free)] = static_cast<int>(i);
  }

  std::vector<Drive> drives;
  int unusable = 0;
  std::string last_problem;
  for (int slot = 0; slot < n; ++slot) {
    const size_t i = static_cast<size_t>(root_in[static_cast<size_t>(slot)]);
    const bool ours = found[i] && found[i]->set_id == set_id && found[i]->index == slot;
    DriveFormat f = ours ? *found[i] : DriveFormat{set_id, random_hex_id(), slot, n};
    drives.emplace_back(roots[i], f);
    const Drive& d = drives.back();
    std::string problem;
    if (!unreadable[i].empty()) {
      problem = "unreadable: " + unreadable[i];
    } else if (found[i] && !ours) {
      const DriveFormat& g = *found[i];
      problem = "holds drive " + std::to_string(g.index + 1) + " of " + std::to_string(g.drive_count) + " of set " +
                g.set_id + (g.set_id == set_id ? " (that slot is taken)" : " (another set)");
    } else if (auto s = d.ensure_ready(existing_set && !found[i]); !s) {
      problem = "unusable: " + s.error().message;
    } else if (fs::exists(d.root() + kHealingFile)) {
      d.set_state(DriveState::Healing, "being rebuilt from the other drives");
    }
    if (!problem.empty()) {
      d.set_state(DriveState::Offline, problem);
      spdlog::error("drive {} is offline: {}", d.root(), problem);
      last_problem = d.root() + ": " + problem;
      if (++unusable > max_unusable)
        return s3::Error(s3::Code::InternalError, "too many unusable drives; last: " + last_problem);
    }
  }
  return drives;
}

}  // namespace silt
