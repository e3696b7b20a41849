#include "cmd/migrate.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "auth/user_backing.h"
#include "cmd/admin_client.h"
#include "cmd/config_file.h"
#include "cmd/migrate_verify.h"
#include "common/object_json.h"
#include "rados/import.h"
#include "rados/import_uploads.h"
#include "rados/rados_object_layer.h"
#include "rados/users.h"
#include "server/ops/export.h"
#include "util/hash.h"

namespace silt {

namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;
constexpr uint64_t kWindow = 16ull << 20;  // bytes per export/data call (the server's limit)

struct MigrateOptions {
  std::string from = "http://127.0.0.1:9000";
  std::string region = "us-east-1";
  std::string to;
  std::string ceph_conf;
  double timeout_s = 60;
  bool final_pass = false;   // freeze the old server first, verify after
  std::string verify;        // a gateway of the cluster to verify against
  bool unfreeze = false;     // only unfreeze the old server
  bool verify_only = false;  // compare, copy nothing
  int jobs = 8;              // keys imported at once
  std::string state;         // digests of what was imported, kept between runs
  int online_passes = 1;     // --final: online passes before the freeze
};

struct Failure {
  std::string message;
  int code = 1;
};

// Objects and bytes so far, on one line: redrawn in place on a terminal, a plain line every
// few seconds otherwise (logs, CI).
class Progress {
 public:
  // total: versions expected (0: unknown), for the bar.
  explicit Progress(std::string what, uint64_t total = 0)
      : what_(std::move(what)), total_(total), tty_(isatty(STDOUT_FILENO) != 0) {}
  void add(uint64_t versions, uint64_t bytes) {
    std::lock_guard lock(mu_);
    versions_ += versions;
    bytes_ += bytes;
    const auto now = Clock::now();
    if (now - last_ < (tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000))) return;
    last_ = now;
    print(false);
  }
  void done() {
    std::lock_guard lock(mu_);
    print(true);
  }
  uint64_t versions() const { return versions_; }
  uint64_t bytes() const { return bytes_; }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  void print(bool last) {
    const double s = seconds();
    char bar[32] = "";
    if (total_ > 0) {
      const uint64_t filled = std::min<uint64_t>(20, versions_ * 20 / total_);
      std::snprintf(bar, sizeof bar, "[%-20s] ", std::string(filled, '#').c_str());
    }
    char line[240];
    std::snprintf(line, sizeof line, "%s: %s%llu versions, %.1f MiB copied, %.1f s (%.0f versions/s)", what_.c_str(),
                  bar, static_cast<unsigned long long>(versions_), static_cast<double>(bytes_) / (1 << 20), s,
                  s > 0 ? static_cast<double>(versions_) / s : 0.0);
    if (tty_)
      std::printf("\r%-100s%s", line, last ? "\n" : "");
    else
      std::printf("%s\n", line);
    std::fflush(stdout);
  }
  std::mutex mu_;  // add() is called from the import threads
  std::string what_;
  uint64_t total_;
  bool tty_;
  uint64_t versions_ = 0, bytes_ = 0;
  Clock::time_point start_ = Clock::now(), last_ = Clock::now();
};

Versioning versioning_from(const std::string& s) {
  if (s == "Enabled") return Versioning::Enabled;
  if (s == "Suspended") return Versioning::Suspended;
  return Versioning::Unversioned;
}

class Migration {
 public:
  Migration(admin::AdminClient old, RadosObjectLayer& layer) : old_(std::move(old)), layer_(layer) {}

  Json get(std::string_view path, const admin::Query& q = {}, std::string_view method = "GET") {
    auto body = old_.call(method, path, q);
    if (!body) throw Failure{"the old server: " + body.error().message};
    Json j = Json::parse(*body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw Failure{"the old server's " + std::string(path) + " is not JSON"};
    return j;
  }

  // The cluster's users become the source's: a user removed there (or given another secret)
  // since the last pass must not keep signing on the gateways.
  void users(const Json& list) {
    rados::Backend& b = layer_.backend();
    auto stored = rados::load_users(b.index);
    if (!stored) throw Failure{"cluster users: " + stored.error().message};
    std::vector<auth::Credential> wanted;
    std::set<std::string> want_values;
    for (const auto& u : list) {
      auto c = auth::decode_user(u.dump(), "exported user");
      if (!c) throw Failure{c.error().message};
      want_values.insert(auth::encode_user(*c));
      wanted.push_back(std::move(*c));
    }
    auto canonical_id_of = [](const std::string& value) {
      auto c = auth::decode_user(value, "cluster user");
      return c ? c->canonical_id : std::string();
    };
    std::set<std::string> have;
    for (const auto& value : *stored) {
      if (want_values.count(value)) {
        have.insert(value);
        continue;
      }
      auto c = auth::decode_user(value, "cluster user");
      if (!c) throw Failure{c.error().message};
      if (auto s = rados::erase_user(b.index, c->access_key, canonical_id_of); !s)
        throw Failure{"user " + c->access_key + ": " + s.error().message};
      ++users_removed_;
    }
    for (const auto& c : wanted) {
      const std::string value = auth::encode_user(c);
      if (have.count(value)) continue;
      if (auto s = rados::insert_user(b.index, c.access_key, c.canonical_id, value); !s)
        throw Failure{"user " + c.access_key + ": " + s.error().message +
                      " (a different user with that key or canonical id is in the cluster already)"};
      ++users_;
    }
  }

  void bucket(const Json& j) {
    const std::string name = j.at("name").get<std::string>();
    const std::string owner = j.value("owner", "");
    const Versioning v = versioning_from(j.value("versioning", ""));
    auto have = layer_.head_bucket(name);
    if (!have) {
      if (have.error().code != s3::Code::NoSuchBucket) throw Failure{name + ": " + have.error().message};
      // Its CreationDate carries over; an export without one (0) gets the migration's time.
      const int64_t created = j.value("created_ms", int64_t{0});
      if (auto s = created > 0 ? layer_.make_bucket_created(name, owner, created) : layer_.make_bucket(name, owner); !s)
        throw Failure{name + ": " + s.error().message};
      ++buckets_;
      have = layer_.head_bucket(name);
      if (!have) throw Failure{name + ": " + have.error().message};
    }
    if (have->owner != owner)
      if (auto s = layer_.set_bucket_owner(name, owner); !s) throw Failure{name + ": " + s.error().message};
    if (have->versioning != v && v != Versioning::Unversioned)
      if (auto s = layer_.set_versioning(name, v); !s) throw Failure{name + ": " + s.error().message};
    const Json& configs = j.at("configs");
    for (const auto& [doc_name, doc] : configs.items()) {
      auto cur = layer_.get_bucket_config(name, doc_name);
      if (!cur) throw Failure{name + ": " + cur.error().message};
      if (*cur && **cur == doc.get<std::string>()) continue;
      if (auto s = layer_.put_bucket_config(name, doc_name, doc.get<std::string>()); !s)
        throw Failure{name + " " + doc_name + ": " + s.error().message};
      ++documents_;
    }
    for (const char* doc_name : server::kExportedConfigs) {
      if (configs.contains(doc_name)) continue;
      auto cur = layer_.get_bucket_config(name, doc_name);
      if (cur && *cur)
        if (auto s = layer_.delete_bucket_config(name, doc_name); !s)
          throw Failure{name + " " + doc_name + ": " + s.error().message};
    }
  }

  // Every version of one bucket, key by key, then the cluster's keys the source lacks. The
  // keys of a page are imported on `jobs` threads: each is a few round trips (its data from
  // the old server, a read and an op on its shard), which overlap.
  void versions(const std::string& bucket, Progress& progress, int jobs) {
    std::set<std::string> seen;
    std::vector<std::vector<ObjectInfo>> groups;  // the keys of this page, whole
    std::vector<ObjectInfo> group;                // the key the page ended in may go on
    Digest digest(Digest::Kind::SHA256);          // of group's exported records
    // A key whose export is what an earlier pass of this run imported is skipped: the
    // cluster has it (no client writes there before the cut-over), and the frozen pass
    // then costs one read per changed key, not one per key.
    auto close_group = [&] {
      const std::string key = group.front().key;
      seen.insert(key);
      std::string& known = digests_[bucket + '\0' + key];
      std::string d = digest.finish();  // and starts the next key's
      if (skip_unchanged_ && known == d) {
        same_ += group.size();
        progress.add(group.size(), 0);
      } else {
        groups.push_back(std::move(group));
      }
      known = std::move(d);
      group.clear();
    };
    auto run = [&] {
      parallel(groups.size(), jobs, [&](size_t i) { import(bucket, groups[i].front().key, groups[i], progress); });
      groups.clear();
    };
    admin::Query q{{"bucket", bucket}};
    for (;;) {
      Json page = get("export/versions", q);
      for (const auto& v : page.at("versions")) {
        const std::string raw = v.dump();
        auto rec = info_from_json(v);
        if (!rec) throw Failure{bucket + ": " + rec.error().message};
        if (!group.empty() && group.front().key != rec->key) close_group();
        digest.update(raw.data(), raw.size());
        group.push_back(std::move(*rec));
      }
      run();
      if (!page.value("truncated", false)) break;
      q = {{"bucket", bucket},
           {"key-marker", page.value("next_key_marker", "")},
           {"version-id-marker", page.value("next_version_id_marker", "")}};
    }
    if (!group.empty()) close_group();
    run();
    // Keys only the cluster has (deleted from the source since the last pass).
    VersionListParams p;
    p.listing_fields_only = true;
    for (;;) {
      auto page = layer_.list_object_versions(bucket, p);
      if (!page) throw Failure{bucket + ": " + page.error().message};
      std::set<std::string> gone;
      for (const auto& v : page->versions)
        if (!seen.count(v.key)) gone.insert(v.key);
      for (const auto& key : gone) import(bucket, key, {}, progress);
      if (!page->truncated) break;
      p.key_marker = page->next_key_marker;
      p.version_id_marker = page->next_version_id_marker;
    }
  }

  // fn(0..n-1) on `jobs` threads; the first Failure stops the rest and is thrown here.
  static void parallel(size_t n, int jobs, const std::function<void(size_t)>& fn) {
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::optional<Failure> first;
    std::mutex mu;
    auto work = [&] {
      for (size_t i; !failed && (i = next.fetch_add(1)) < n;) {
        try {
          fn(i);
        } catch (const Failure& f) {
          std::lock_guard lock(mu);
          if (!first) first = f;
          failed = true;
        }
      }
    };
    std::vector<std::thread> threads;
    for (int t = 1; t < jobs && static_cast<size_t>(t) < n; ++t) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();
    if (first) throw *first;
  }

  void import(const std::string& bucket, const std::string& key, const std::vector<ObjectInfo>& group,
              Progress& progress) {
    rados::ImportStats st;
    auto s = rados::import_key(
        layer_.backend(), bucket, key, group,
        [&](const ObjectInfo& v, const rados::ByteSink& sink) { return fetch(v, sink); }, st);
    if (!s) throw Failure{bucket + "/" + key + ": " + s.error().message};
    written_ += st.written;
    rewritten_ += st.rewritten;
    same_ += st.same;
    removed_ += st.removed;
    progress.add(group.size(), st.bytes);
  }

  // The stored bytes of one version, a window at a time.
  s3::Status fetch(const ObjectInfo& rec, const rados::ByteSink& sink) {
    return fetch_windows("export/data", {{"bucket", rec.bucket}, {"key", rec.key}, {"version-id", rec.version_id}},
                         rec.size, rec.key, sink);
  }

  // size bytes from an export data call (`what` names them in errors), kWindow at a time.
  s3::Status fetch_windows(std::string_view path, const admin::Query& q, uint64_t size, const std::string& what,
                           const rados::ByteSink& sink) {
    for (uint64_t off = 0; off < size; off += kWindow) {
      const uint64_t len = std::min(kWindow, size - off);
      admin::Query window = q;
      window.emplace_back("offset", std::to_string(off));
      window.emplace_back("length", std::to_string(len));
      auto body = old_.call("GET", path, window);
      if (!body) return body.error();
      if (body->size() != len)
        return s3::Error(s3::Code::InternalError, "the old server sent " + std::to_string(body->size()) + " bytes of " +
                                                      what + " where " + std::to_string(len) +
                                                      " were asked for (changed meanwhile?)");
      if (auto s = sink(body->data(), body->size()); !s) return s;
    }
    return {};
  }

  // The bucket's uploads in progress with their parts, then the cluster's uploads the
  // source no longer has (completed or aborted there since the last pass) are aborted,
  // their parts' data queued for GC. An upload the source completes or aborts while it is
  // read is left out, so it goes too.
  void uploads(const std::string& bucket) {
    std::set<std::pair<std::string, std::string>> seen;
    admin::Query q{{"bucket", bucket}};
    for (;;) {
      Json page = get("export/uploads", q);
      for (const auto& j : page.at("uploads")) {
        auto u = upload_from_json(j);
        if (!u) throw Failure{bucket + ": " + u.error().message};
        u->bucket = bucket;
        if (import_upload(*u)) seen.emplace(u->key, u->upload_id);
      }
      if (!page.value("truncated", false)) break;
      q = {{"bucket", bucket},
           {"key-marker", page.value("next_key_marker", "")},
           {"upload-id-marker", page.value("next_upload_id_marker", "")}};
    }
    UploadListParams p;
    for (;;) {
      auto page = layer_.list_uploads(bucket, p);
      if (!page) throw Failure{bucket + ": " + page.error().message};
      for (const auto& u : page->uploads) {
        if (seen.count({u.key, u.upload_id})) continue;
        if (auto s = layer_.abort_upload(bucket, u.key, u.upload_id); !s && s.error().code != s3::Code::NoSuchUpload)
          throw Failure{bucket + "/" + u.key + " upload " + u.upload_id + ": " + s.error().message};
        ++uploads_removed_;
      }
      if (!page->truncated) break;
      p.key_marker = page->next_key_marker;
      p.upload_id_marker = page->next_upload_id_marker;
    }
  }

  // One upload and its parts; false when the source has it no more.
  bool import_upload(const UploadInfo& u) {
    auto gone = [](const s3::Error& e) {
      return e.message.rfind("NoSuchUpload", 0) == 0 || e.message.rfind("InvalidPart", 0) == 0;
    };
    const admin::Query id{{"bucket", u.bucket}, {"key", u.key}, {"upload-id", u.upload_id}};
    std::vector<PartInfo> parts;
    admin::Query q = id;
    for (;;) {
      auto body = old_.call("GET", "export/parts", q);
      if (!body && gone(body.error())) return false;
      if (!body) throw Failure{"the old server: " + body.error().message};
      Json page = Json::parse(*body, nullptr, false);
      if (page.is_discarded() || !page.is_object()) throw Failure{"the old server's export/parts is not JSON"};
      for (const auto& j : page.at("parts")) {
        auto part = part_from_json(j);
        if (!part) throw Failure{u.key + ": " + part.error().message};
        parts.push_back(std::move(*part));
      }
      if (!page.value("truncated", false)) break;
      q = id;
      q.emplace_back("part-number-marker", std::to_string(page.value("next_part_number_marker", 0)));
    }
    rados::UploadImportStats st;
    auto s = rados::import_upload(
        layer_.backend(), u, parts,
        [&](const PartInfo& part, const rados::ByteSink& sink) {
          admin::Query pq = id;
          pq.emplace_back("part-number", std::to_string(part.number));
          return fetch_windows("export/part-data", pq, part.size, u.key + " part " + std::to_string(part.number), sink);
        },
        st);
    if (!s && gone(s.error())) return false;
    if (!s) throw Failure{u.bucket + "/" + u.key + " upload " + u.upload_id + ": " + s.error().message};
    uploads_ += st.uploads;
    parts_ += st.parts;
    parts_same_ += st.parts_same;
    return true;
  }

  uint64_t versions_seen() const { return written_ + rewritten_ + same_; }
  // The digests an earlier run into the same cluster left in `path` (none when it is missing
  // or was written for another source or cluster config: then nothing is skipped).
  void load_state(const std::string& path, const std::string& header) {
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line) || line != header) return;
    while (std::getline(in, line)) {
      const size_t sp = line.find(' ');
      std::string name, digest;
      if (sp == std::string::npos || !hex_decode(line.substr(0, sp), name) || !hex_decode(line.substr(sp + 1), digest))
        throw Failure{path + ": not a migration state file (remove it to copy every key again)"};
      digests_[name] = digest;
    }
  }

  // Written whole, then renamed over path: a run killed meanwhile leaves the last state.
  void save_state(const std::string& path, const std::string& header) const {
    const std::string tmp = path + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << header << "\n";
      for (const auto& [name, digest] : digests_) out << hex_encode(name) << ' ' << hex_encode(digest) << "\n";
      if (!out.flush()) throw Failure{"cannot write " + tmp};
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) throw Failure{"cannot rename " + tmp + " to " + path};
  }

  // A new pass: counts from zero; skip: leave out keys whose export the last pass imported.
  void start_pass(bool skip) {
    skip_unchanged_ = skip;
    users_ = users_removed_ = buckets_ = documents_ = 0;
    written_ = rewritten_ = same_ = removed_ = 0;
    uploads_ = uploads_removed_ = parts_ = parts_same_ = 0;
  }

  void summary(double secs) const {
    std::printf("  users            %llu added, %llu removed\n", ull(users_), ull(users_removed_));
    std::printf("  buckets          %llu created, %llu documents written\n", ull(buckets_), ull(documents_));
    std::printf("  versions         %llu copied, %llu records updated, %llu already there, %llu removed\n",
                ull(written_.load()), ull(rewritten_.load()), ull(same_.load()), ull(removed_.load()));
    std::printf("  uploads          %llu added, %llu parts copied, %llu parts already there, %llu removed\n",
                ull(uploads_), ull(parts_), ull(parts_same_), ull(uploads_removed_));
    std::printf("  took             %.2f s\n", secs);
  }

 private:
  static unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }
  admin::AdminClient old_;
  RadosObjectLayer& layer_;
  // SHA-256 of each key's exported records ("<bucket>\0<key>") as this run imported them.
  std::unordered_map<std::string, std::string> digests_;
  bool skip_unchanged_ = false;
  uint64_t users_ = 0, users_removed_ = 0, buckets_ = 0, documents_ = 0;
  uint64_t uploads_ = 0, uploads_removed_ = 0, parts_ = 0, parts_same_ = 0;
  std::atomic<uint64_t> written_{0}, rewritten_{0}, same_{0}, removed_{0};  // added to by the import threads
};

admin::Credentials env_credentials() {
  return admin::root_credentials([](const char* n) { return std::getenv(n); });
}

void unfreeze(const MigrateOptions& o) {
  auto ep = admin::parse_endpoint(o.from);
  if (!ep) throw Failure{"--from: " + ep.error().message, 2};
  admin::AdminClient old(*ep, env_credentials(), o.region);
  auto r = old.call("DELETE", "freeze");
  if (!r) throw Failure{"the old server: " + r.error().message};
  std::printf("%s takes writes again\n", o.from.c_str());
}

void verify(const MigrateOptions& o, const std::vector<std::string>& buckets, uint64_t expected) {
  auto old_ep = admin::parse_endpoint(o.from);
  auto new_ep = admin::parse_endpoint(o.verify);
  if (!new_ep) throw Failure{"--verify: " + new_ep.error().message, 2};
  const auto start = Clock::now();
  Progress progress("verify", expected);
  auto rep = verify_migration({*old_ep, env_credentials(), o.region}, {*new_ep, env_credentials(), o.region}, buckets,
                              [&](uint64_t n) { progress.add(n, 0); });
  progress.done();
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("verified %s against %s in %.2f s\n", o.from.c_str(), o.verify.c_str(), secs);
  std::printf("  buckets          %llu, %llu documents, %llu ListObjectVersions pages (%llu versions)\n",
              static_cast<unsigned long long>(rep.buckets), static_cast<unsigned long long>(rep.documents),
              static_cast<unsigned long long>(rep.pages), static_cast<unsigned long long>(rep.versions));
  std::printf("  uploads          %llu in progress, their ListParts compared\n",
              static_cast<unsigned long long>(rep.uploads));
  for (const auto& d : rep.differences) std::printf("  DIFFERS          %s\n", d.c_str());
  if (rep.differing)
    throw Failure{std::to_string(rep.differing) + " answers differ between the old server and the cluster"};
  std::printf("  result           identical\n");
}

void run(const MigrateOptions& o) {
  if (o.unfreeze) return unfreeze(o);
  if (o.to.empty()) throw Failure{"--to CONFIG is required", 2};
  auto fc = load_config_file(o.to);
  if (!fc) throw Failure{fc.error().message, 2};
  if (!o.verify.empty())
    if (auto v = admin::parse_endpoint(o.verify); !v) throw Failure{"--verify: " + v.error().message, 2};
  if (fc->backend != "rados") throw Failure{o.to + ": needs \"backend\": \"rados\" (docs/cluster.md)", 2};
  if (!o.ceph_conf.empty()) fc->rados.ceph_conf = o.ceph_conf;
  // The cluster's GC and watch threads are a gateway's business, not a migration's.
  fc->rados.gc_interval_ms = 0;
  auto ep = admin::parse_endpoint(o.from);
  if (!ep) throw Failure{"--from: " + ep.error().message, 2};
  admin::AdminClient old(*ep, env_credentials(), o.region,
                         std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000)));
  auto opened = open_rados_object_layer(fc->rados);
  if (!opened) throw Failure{"the cluster: " + opened.error().message};
  auto* layer = dynamic_cast<RadosObjectLayer*>(opened->get());
  if (!layer) throw Failure{"the cluster: not a RADOS object layer"};

  Migration m(std::move(old), *layer);
  if (o.verify_only) {
    if (o.verify.empty()) throw Failure{"--verify-only needs --verify GATEWAY", 2};
    std::vector<std::string> names;
    const Json top = m.get("export/buckets");
    for (const auto& b : top.at("buckets")) names.push_back(b.at("name").get<std::string>());
    return verify(o, names, 0);
  }
  // One pass: users, buckets and their documents, then every key that differs.
  auto pass = [&](const char* name, bool skip) {
    const auto start = Clock::now();
    m.start_pass(skip);
    Json top = m.get("export/buckets");
    m.users(top.at("users"));
    std::vector<std::string> buckets;
    for (const auto& b : top.at("buckets")) {
      m.bucket(b);
      buckets.push_back(b.at("name").get<std::string>());
    }
    Progress progress(name);
    for (const auto& b : buckets) {
      m.versions(b, progress, o.jobs);
      m.uploads(b);
    }
    progress.done();
    std::printf("%s: %s into %s\n", name, o.from.c_str(), o.to.c_str());
    m.summary(std::chrono::duration<double>(Clock::now() - start).count());
    return buckets;
  };
  // The state names its source and cluster: a file meant for another migration is not used.
  const std::string header = "silt-migrate-state 1 " + o.from + " " + fc->rados.index_pool + " " + fc->rados.name_space;
  if (!o.state.empty()) m.load_state(o.state, header);
  std::vector<std::string> buckets;
  const int online = o.final_pass ? o.online_passes : 1;
  for (int i = 0; i < online; ++i) {
    buckets = pass(online > 1 ? ("pass " + std::to_string(i + 1) + " (online)").c_str() : "pass 1 (online)", true);
    if (!o.state.empty()) m.save_state(o.state, header);
  }
  if (o.final_pass) {
    // Writes admitted before the freeze finish first (the server waits up to 30 s for them).
    const auto frozen = Clock::now();
    Json f = m.get("freeze", {}, "PUT");
    if (f.value("in_flight", 0) != 0) {
      (void)m.get("freeze", {}, "DELETE");
      throw Failure{"the old server still had writes running 30 s after the freeze; unfrozen, try again"};
    }
    std::printf("froze %s: writes answer 503 SlowDown, reads are served\n", o.from.c_str());
    buckets = pass("pass 2 (frozen)", true);
    if (!o.state.empty()) m.save_state(o.state, header);
    if (!o.verify.empty()) verify(o, buckets, m.versions_seen());
    std::printf(
        "freeze window %.2f s; %s stays frozen: point clients at the gateways now\n"
        "(silt admin migrate --from %s --unfreeze gives it its writes back)\n",
        std::chrono::duration<double>(Clock::now() - frozen).count(), o.from.c_str(), o.from.c_str());
  } else if (!o.verify.empty()) {
    verify(o, buckets, m.versions_seen());
  }
}

}  // namespace

void add_migrate_command(CLI::App& admin) {
  auto o = std::make_shared<MigrateOptions>();
  CLI::App* cmd = admin.add_subcommand(
      "migrate", "Copy a single-node silt (still serving) into a RADOS cluster; a second run copies what changed");
  cmd->add_option("--from", o->from, "The single-node silt's endpoint (its admin API)")->capture_default_str();
  cmd->add_option("--to", o->to, "silt's config file with \"backend\": \"rados\" for the cluster");
  cmd->add_flag("--final", o->final_pass,
                "After the online pass, freeze the old server's writes (503 SlowDown) and copy what changed "
                "since; it stays frozen");
  cmd->add_option("--verify", o->verify,
                  "A gateway of the cluster: compare ListObjectVersions, ListMultipartUploads, ListParts and every "
                  "bucket document with the old server's, byte for byte");
  cmd->add_option("--jobs", o->jobs, "Keys copied at once")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_option("--state", o->state,
                  "File keeping a digest of every key copied, so a later run (the --final one) reads only the "
                  "keys that changed since");
  cmd->add_option("--online-passes", o->online_passes,
                  "--final: online passes before the freeze (0: freeze at once, after an earlier run with --state)")
      ->capture_default_str()
      ->check(CLI::Range(0, 10));
  cmd->add_flag("--verify-only", o->verify_only, "Only compare with --verify's gateway; copy nothing");
  cmd->add_flag("--unfreeze", o->unfreeze, "Only give the old server its writes back (after --final)");
  cmd->add_option("--ceph-conf", o->ceph_conf, "The cluster's ceph.conf (default: the config's rados.ceph_conf)");
  cmd->add_option("--region", o->region, "The old server's --region, to sign for")->capture_default_str();
  cmd->add_option("--timeout", o->timeout_s, "Seconds to wait for each answer of the old server")
      ->capture_default_str();
  cmd->footer(
      "Signs with SILT_ROOT_USER/SILT_ROOT_PASSWORD (else MINIO_ROOT_*). Give the gateways the same root\n"
      "credentials and region. docs/cluster.md, \"Migrating from a single node\".");
  cmd->callback([o] {
    try {
      run(*o);
    } catch (const Failure& f) {
      std::cerr << "silt admin migrate: " << f.message << "\n";
      throw CLI::RuntimeError(f.code);
    } catch (const nlohmann::json::exception& e) {
      std::cerr << "silt admin migrate: the old server's export is malformed: " << e.what() << "\n";
      throw CLI::RuntimeError(1);
    }
  });
}

}  // namespace silt
