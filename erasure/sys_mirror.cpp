#include "erasure/sys_mirror.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "erasure/drive_meta.h"
#include "erasure/fs.h"
#include "erasure/parallel.h"
#include "util/parse.h"
#include "util/random_id.h"

namespace silt {

namespace {

namespace stdfs = std::filesystem;
constexpr std::string_view kConfigMagic = "silt-config 1 ";

uint64_t wall_us() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

std::string bucket_rel(std::string_view bucket) {
  return "sys/buckets/" + std::string(bucket);
}
std::string upload_file(std::string_view upload_id) {
  return std::string(upload_id) + ".json";
}

// Writes root/rel_dir/name via tmp/ (same file system), fsyncing file and directory.
s3::Status write_atomic(const std::string& root, const std::string& rel_dir, const std::string& name,
                        const std::string& content) {
  const std::string dir = root + "/" + rel_dir;
  if (auto s = fs::make_dirs(dir); !s) return s;
  const std::string tmp = root + "/tmp/" + random_hex_id() + ".sys";
  if (auto s = fs::write_file_synced(tmp, content); !s) {
    fs::remove_all(tmp);
    return s;
  }
  if (::rename(tmp.c_str(), (dir + "/" + name).c_str()) != 0) {
    auto e = fs::io_error("rename", tmp);
    fs::remove_all(tmp);
    return e;
  }
  return fs::fsync_dir(dir);
}

// Removes root/rel_path (file or directory tree): renamed into tmp/ first so
// the removal is atomic, then deleted.
void remove_atomic(const std::string& root, const std::string& rel_path) {
  const std::string path = root + "/" + rel_path;
  const std::string trash = root + "/tmp/" + random_hex_id() + ".deleted";
  if (::rename(path.c_str(), trash.c_str()) == 0) {
    (void)fs::fsync_dir(stdfs::path(path).parent_path().string());
    fs::remove_all(trash);
  } else if (errno != ENOENT) {
    fs::remove_all(path);
  }
}

// Offline drives are left alone: one may be another set's drive (erasure/drive.h).
std::vector<std::string> drive_roots(const ErasureSet& set) {
  std::vector<std::string> out;
  for (const Drive* d : set.all_drives())
    if (d->usable()) out.push_back(d->root());
  return out;
}

}  // namespace

std::string mirror_buckets_dir(const std::string& drive_root) {
  return drive_root + "/sys/buckets";
}
std::string mirror_uploads_dir(const std::string& drive_root) {
  return drive_root + "/sys/uploads";
}

std::string config_file_name(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    bool plain = std::isalnum(c) || c == '-' || c == '_' || (c == '.' && i > 0);
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string config_name_from_file(std::string_view file) {
  std::string out;
  for (size_t i = 0; i < file.size(); ++i) {
    unsigned v = 0;
    if (file[i] == '%' && i + 2 < file.size() &&
        std::sscanf(std::string(file.substr(i + 1, 2)).c_str(), "%2x", &v) == 1) {
      out.push_back(static_cast<char>(v));
      i += 2;
    } else {
      out.push_back(file[i]);
    }
  }
  return out;
}

std::string encode_bucket_mirror(uint64_t written_us, std::string_view record_json) {
  nlohmann::json record = nlohmann::json::parse(record_json, nullptr, false);
  if (record.is_discarded()) record = std::string(record_json);  // never from the index; kept as text
  nlohmann::json j = {{"written_us", written_us}, {"record", std::move(record)}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

s3::Result<MirroredDoc> decode_bucket_mirror(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("written_us") || !j["written_us"].is_number_unsigned() || !j.contains("record") ||
      !j["record"].is_object())
    return s3::Error(s3::Code::InternalError, "corrupt bucket mirror");
  return MirroredDoc{j["written_us"].get<uint64_t>(),
                     j["record"].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

std::string encode_config_mirror(uint64_t written_us, std::string_view value) {
  std::string out(kConfigMagic);
  out += std::to_string(written_us);
  out.push_back('\n');
  out.append(value);
  return out;
}

s3::Result<MirroredDoc> decode_config_mirror(std::string_view text) {
  const size_t nl = text.find('\n');
  if (text.substr(0, kConfigMagic.size()) != kConfigMagic || nl == std::string_view::npos)
    return s3::Error(s3::Code::InternalError, "corrupt config mirror");
  std::string_view num = text.substr(kConfigMagic.size(), nl - kConfigMagic.size());
  auto written = parse_u64(num);
  if (!written) return s3::Error(s3::Code::InternalError, "corrupt config mirror");
  return MirroredDoc{*written, std::string(text.substr(nl + 1))};
}

bool mirrored_config(std::string_view name) {
  return name.substr(0, 5) != "silt.";
}

uint64_t SysMirror::next_written_us() {
  uint64_t last = last_us_.load();
  for (;;) {
    uint64_t next = std::max(wall_us(), last + 1);
    if (last_us_.compare_exchange_weak(last, next)) return next;
  }
}

s3::Status SysMirror::write_everywhere(const std::string& rel_dir, const std::string& name, const std::string& content,
                                       const char* what) {
  const auto roots = drive_roots(set_);
  std::vector<s3::Status> results(roots.size());
  parallel_for(roots.size(), [&](size_t i) { results[i] = write_atomic(roots[i], rel_dir, name, content); });
  size_t ok = 0;
  const s3::Status* first_failure = nullptr;
  for (const auto& r : results) {
    if (r.ok())
      ++ok;
    else if (!first_failure)
      first_failure = &r;
  }
  // A majority of all drives, offline ones included, so a rebuild from any
  // majority of drives sees every committed change.
  const size_t all = set_.all_drives().size();
  if (ok * 2 > all) return {};
  return s3::Error(s3::Code::SlowDown, std::string("write quorum lost: the drive mirror of ") + what + " reached " +
                                           std::to_string(ok) + " of " + std::to_string(all) + " drives" +
                                           (first_failure ? ": " + first_failure->error().message : ""));
}

void SysMirror::remove_everywhere(const std::string& rel_path) {
  const auto roots = drive_roots(set_);
  parallel_for(roots.size(), [&](size_t i) { remove_atomic(roots[i], rel_path); });
}

s3::Status SysMirror::before_put_bucket(std::string_view bucket, std::string_view record_json) {
  return write_everywhere(bucket_rel(bucket), kBucketMirrorFile, encode_bucket_mirror(next_written_us(), record_json),
                          "a bucket record");
}

s3::Status SysMirror::before_delete_bucket(std::string_view bucket) {
  remove_everywhere(bucket_rel(bucket));
  return {};
}

s3::Status SysMirror::before_put_config(std::string_view bucket, std::string_view name, std::string_view value) {
  if (!mirrored_config(name)) return {};
  return write_everywhere(bucket_rel(bucket) + "/config", config_file_name(name),
                          encode_config_mirror(next_written_us(), value), "a bucket config");
}

s3::Status SysMirror::before_delete_config(std::string_view bucket, std::string_view name) {
  if (mirrored_config(name)) remove_everywhere(bucket_rel(bucket) + "/config/" + config_file_name(name));
  return {};
}

s3::Status SysMirror::before_create_upload(const UploadInfo& upload) {
  return write_everywhere("sys/uploads", upload_file(upload.upload_id), encode_upload_info(upload), "an upload");
}

s3::Status SysMirror::before_abort_upload(std::string_view upload_id) {
  remove_everywhere("sys/uploads/" + upload_file(upload_id));
  return {};
}

s3::Status SysMirror::before_complete_upload(const ObjectRecord& object) {
  if (object.parts.empty()) return {};
  const Pool* pool = set_.pool(object.layout.pool);
  if (!pool) return s3::Error(s3::Code::InternalError, "drive mirror: unknown pool " + object.layout.pool);
  const PartRecord& first = object.parts.front();
  int done = replace_drive_meta(*pool, first.data_id, object.distribution_of(first), encode_object_record(object));
  // Any k copies make the data readable, so any k copies of its record suffice too.
  if (done >= pool->k()) return {};
  return s3::Error(s3::Code::InternalError,
                   "drive mirror: the completed object's record reached only " + std::to_string(done) + " drives");
}

void SysMirror::complete_upload_failed(const ObjectRecord& object, const UploadedPart& first_part) {
  if (const Pool* pool = set_.pool(object.layout.pool))
    (void)replace_drive_meta(*pool, first_part.layout.data_id, first_part.layout.distribution,
                             encode_uploaded_part(first_part));
}

void SysMirror::after_complete_upload(std::string_view upload_id) {
  remove_everywhere("sys/uploads/" + upload_file(upload_id));
}

std::string SysMirror::new_data_id() {
  return random_hex_id();
}

s3::Status SysMirror::before_delete_marker(const ObjectRecord& marker) {
  // Like a data dir written by the object writer (docs/format.md, write
  // protocol steps 2-3), with meta.json alone, on every drive of the first pool.
  const Pool& pool = *set_.pools.front();
  const std::string& id = marker.layout.data_id;
  const std::string json = encode_object_record(marker);
  std::vector<s3::Status> results(pool.drives.size());
  parallel_for(pool.drives.size(), [&](size_t i) {
    const Drive& d = pool.drives[i];
    if (!d.usable()) {
      results[i] = s3::Error(s3::Code::InternalError, "drive " + d.root() + " is offline");
      return;
    }
    const std::string tmp = d.tmp_dir(id);
    auto publish = [&]() -> s3::Status {
      // tmp/ is emptied at startup: its new entry needs no fsync of its own.
      if (::mkdir(tmp.c_str(), 0700) != 0) return fs::io_error("mkdir", tmp);
      if (auto s = fs::write_file_synced(tmp + "/" + kMetaFile, json); !s) return s;
      if (auto s = fs::fsync_dir(tmp); !s) return s;
      if (auto s = fs::make_dirs(d.data_parent(id)); !s) return s;
      if (::rename(tmp.c_str(), d.data_dir(id).c_str()) != 0) return fs::io_error("rename", tmp);
      return fs::fsync_dir(d.data_parent(id));
    };
    results[i] = publish();
    if (!results[i]) fs::remove_all(tmp);
  });
  int ok = 0;
  for (const auto& r : results) ok += r.ok() ? 1 : 0;
  if (ok >= pool.write_quorum()) return {};
  set_.remove_data_ids({id});
  // Like an object write below quorum: 503, which clients retry (drives come back).
  return s3::Error(s3::Code::SlowDown, "write quorum lost: the delete marker reached only " + std::to_string(ok) +
                                           " drives, need " + std::to_string(pool.write_quorum()));
}

void SysMirror::sync(const MirrorState& state) {
  // A crash between before_complete_upload and the completion commit left the
  // object record in the first part's dir of an upload still in progress: put
  // the part record back, so the drives agree with the index again.
  for (const auto& p : state.parts) {
    const Pool* pool = set_.pool(p.layout.pool);
    if (!pool) continue;
    bool stale = false;
    for (int d : p.layout.distribution) {
      if (d < 0 || static_cast<size_t>(d) >= pool->drives.size()) continue;
      auto text = fs::read_file(pool->drives[static_cast<size_t>(d)].data_dir(p.layout.data_id) + "/" + kMetaFile);
      stale = stale || (text && text->find("\"kind\":\"part\"") == std::string::npos);
    }
    if (stale) (void)replace_drive_meta(*pool, p.layout.data_id, p.layout.distribution, encode_uploaded_part(p));
  }
  std::set<std::string> live_uploads;
  for (const auto& u : state.uploads) live_uploads.insert(u.upload_id);
  for (const std::string& root : drive_roots(set_)) {
    std::error_code ec;
    if (!stdfs::is_directory(root + "/tmp", ec)) continue;  // unusable drive: the server runs without it
    for (const auto& [name, b] : state.buckets) {
      const std::string rel = bucket_rel(name);
      auto have = fs::read_file(root + "/" + rel + "/" + kBucketMirrorFile);
      auto doc = have ? decode_bucket_mirror(*have) : s3::Result<MirroredDoc>(have.error());
      auto same_json = [](const std::string& a, const std::string& x) {
        return nlohmann::json::parse(a, nullptr, false) == nlohmann::json::parse(x, nullptr, false);
      };
      // Failures are left for the next start: a broken drive must not stop the server.
      if (!doc || !same_json(doc->body, b.record_json))
        (void)write_atomic(root, rel, kBucketMirrorFile, encode_bucket_mirror(next_written_us(), b.record_json));
      std::set<std::string> wanted;
      for (const auto& [cname, value] : b.configs) {
        if (!mirrored_config(cname)) continue;
        const std::string file = config_file_name(cname);
        wanted.insert(file);
        auto cur = fs::read_file(root + "/" + rel + "/config/" + file);
        auto cdoc = cur ? decode_config_mirror(*cur) : s3::Result<MirroredDoc>(cur.error());
        if (!cdoc || cdoc->body != value)
          (void)write_atomic(root, rel + "/config", file, encode_config_mirror(next_written_us(), value));
      }
      for (const auto& e : stdfs::directory_iterator(root + "/" + rel + "/config", ec))
        if (!wanted.count(e.path().filename().string()))
          remove_atomic(root, rel + "/config/" + e.path().filename().string());
    }
    for (const auto& u : state.uploads)
      if (!fs::exists(root + "/sys/uploads/" + upload_file(u.upload_id)))
        (void)write_atomic(root, "sys/uploads", upload_file(u.upload_id), encode_upload_info(u));
    // Uploads the index no longer has, in buckets it knows: completed or aborted
    // while a removal failed or was cut short by a crash.
    for (const auto& e : stdfs::directory_iterator(root + "/sys/uploads", ec)) {
      const std::string file = e.path().filename().string();
      std::string id = file.size() > 5 ? file.substr(0, file.size() - 5) : file;
      if (live_uploads.count(id)) continue;
      auto text = fs::read_file(e.path().string());
      auto u = text ? decode_upload_info(*text) : s3::Result<UploadInfo>(text.error());
      if (!u || state.buckets.count(u->bucket)) remove_atomic(root, "sys/uploads/" + file);
    }
  }
}

s3::Status restore_mirror(const ErasureSet& set, const Drive& target) {
  const Drive* source = nullptr;
  for (const Drive* d : set.all_drives())
    if (d != &target && d->root() != target.root() && d->state() == DriveState::Online) source = d;
  if (!source) return s3::Error(s3::Code::InternalError, "no online drive to copy the drive mirror from");
  const stdfs::path from = stdfs::path(source->root()) / "sys";
  std::error_code ec;
  for (auto it = stdfs::recursive_directory_iterator(from, ec); !ec && it != stdfs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const stdfs::path rel = stdfs::relative(it->path(), source->root());
    if (fs::exists(target.root() + "/" + rel.string())) continue;
    auto content = fs::read_file(it->path().string());
    if (!content) continue;  // removed meanwhile
    if (auto s = write_atomic(target.root(), rel.parent_path().string(), rel.filename().string(), *content); !s)
      return s;
  }
  if (ec && ec != std::errc::no_such_file_or_directory)
    return s3::Error(s3::Code::InternalError, "list " + from.string() + ": " + ec.message());
  return {};
}

}  // namespace silt
