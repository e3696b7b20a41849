// `silt admin rebuild-index` (erasure/rebuild.h): state built through the object
// layer is the same, field by field, after the index is rebuilt from the drives.
#include "erasure/rebuild.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

#include "erasure/fs.h"
#include "erasure/sys_mirror.h"
#include "storage_env.h"
#include "util/hash.h"

using namespace silt;
using silt::test::kBlock;
using silt::test::random_bytes;
using silt::test::StorageEnv;

namespace {

namespace stdfs = std::filesystem;

std::string pairs(const std::vector<std::pair<std::string, std::string>>& v) {
  std::string out;
  for (const auto& [k, val] : v) out += k + "=" + val + ";";
  return out;
}

void describe(std::ostream& o, const ObjectInfo& v) {
  o << "  " << v.key << " v=" << v.version_id << " latest=" << v.is_latest << " dm=" << v.delete_marker
    << " size=" << v.size << " etag=" << v.etag << " mtime=" << v.mtime_ms << " class=" << v.meta.storage_class
    << " ct=" << v.meta.content_type << " cc=" << v.meta.cache_control << " user=" << pairs(v.meta.user)
    << " tags=" << pairs(v.meta.tags) << " sums=" << pairs(v.meta.checksums) << " ctype=" << v.meta.checksum_type
    << " parts=";
  for (const auto& p : v.parts) o << p.number << ":" << p.size << ":" << p.etag << ",";
  o << "\n";
}

// Everything a client can list or ask about, as text (so a failure shows the difference).
std::string snapshot(ObjectLayer& l) {
  std::ostringstream o;
  auto buckets = l.list_buckets();
  REQUIRE(buckets.ok());
  for (const auto& b : *buckets) {
    o << "bucket " << b.name << " created=" << b.created_ms << " versioning=" << static_cast<int>(b.versioning) << "\n";
    for (const char* cfg : {"cors", "lifecycle", "silt.lifecycle.cursor"}) {
      auto doc = l.get_bucket_config(b.name, cfg);
      REQUIRE(doc.ok());
      if (doc->has_value()) o << " config " << cfg << "=" << **doc << "\n";
    }
    VersionListParams vp;
    vp.max_keys = 1000;
    auto versions = l.list_object_versions(b.name, vp);
    REQUIRE(versions.ok());
    for (const auto& v : versions->versions) {
      describe(o, v);
      if (v.delete_marker) continue;
      auto head = l.stat_object(b.name, v.key, v.version_id);
      REQUIRE(head.ok());
      describe(o, *head);
    }
    auto current = l.list_objects(b.name, {});
    REQUIRE(current.ok());
    for (const auto& v : current->objects) o << " current " << v.key << " " << v.etag << "\n";
    auto uploads = l.list_uploads(b.name, {});
    REQUIRE(uploads.ok());
    for (const auto& u : uploads->uploads) {
      o << " upload " << u.key << " " << u.upload_id << " at=" << u.initiated_ms << " class=" << u.meta.storage_class
        << " ct=" << u.meta.content_type << "\n";
      auto parts = l.list_parts(b.name, u.key, u.upload_id, 0, 1000);
      REQUIRE(parts.ok());
      for (const auto& p : parts->parts)
        o << "  part " << p.number << " " << p.size << " " << p.etag << " " << p.mtime_ms << " " << pairs(p.checksums)
          << "\n";
    }
  }
  return o.str();
}

// Every version's body, by bucket/key/version.
std::map<std::string, std::string> bodies(StorageEnv& env) {
  std::map<std::string, std::string> out;
  auto buckets = env.layer->list_buckets();
  REQUIRE(buckets.ok());
  for (const auto& b : *buckets) {
    auto versions = env.layer->list_object_versions(b.name, {});
    REQUIRE(versions.ok());
    for (const auto& v : versions->versions) {
      if (v.delete_marker) continue;
      auto body = env.get_version(b.name, v.key, v.version_id);
      REQUIRE(body.ok());
      out[b.name + "/" + v.key + "@" + v.version_id] = *body;
    }
  }
  return out;
}

void use_pools(StorageEnv& env) {
  std::vector<std::string> drives = env.cfg.drives;
  env.cfg.pools = {PoolConfig{"standard", drives, 2, kBlock, 0, 0}, PoolConfig{"cold", drives, 2, kBlock, 3, 0}};
  env.cfg.storage_classes = {{"STANDARD", "standard"}, {"STANDARD_IA", "cold"}};
  env.reopen();
}

s3::Result<ObjectInfo> put_class(StorageEnv& env, const std::string& bucket, const std::string& key,
                                 const std::string& data, const std::string& cls, ObjectMeta meta = {}) {
  auto w = env.layer->create_object(bucket, key, {}, cls);
  if (!w) return w.error();
  if (auto s = (*w)->write(data.data(), data.size()); !s) return s.error();
  meta.storage_class = cls;
  return (*w)->commit(meta);
}

// Line by line, so a failure names the first line that differs.
void check_same(const std::string& got, const std::string& want) {
  std::istringstream g(got), w(want);
  std::string lg, lw;
  for (int line = 1;; ++line) {
    const bool more_g = static_cast<bool>(std::getline(g, lg)), more_w = static_cast<bool>(std::getline(w, lw));
    if (!more_g && !more_w) return;
    INFO("line " << line);
    REQUIRE(lg == lw);
  }
}

RebuildStats rebuild(StorageEnv& env) {
  env.layer.reset();  // the server is stopped
  auto st = rebuild_index(env.cfg);
  INFO((st ? std::string() : st.error().message));
  REQUIRE(st.ok());
  env.reopen();
  return *st;
}

}  // namespace

TEST_CASE("rebuild-index: the rebuilt index lists exactly what the old one did", "[rebuild]") {
  StorageEnv env;
  use_pools(env);
  ObjectLayer& l = *env.layer;

  REQUIRE(l.make_bucket("plain").ok());
  ObjectMeta meta;
  meta.content_type = "text/plain";
  meta.cache_control = "max-age=60";
  meta.user = {{"color", "blue"}, {"shape", "round"}};
  meta.tags = {{"project", "lake"}};
  REQUIRE(env.put("plain", "a", random_bytes(9000, 1), 1000, meta).ok());
  REQUIRE(env.put("plain", "a", random_bytes(7000, 2), 1000, meta).ok());  // overwrite
  REQUIRE(put_class(env, "plain", "dir/ia", random_bytes(20000, 3), "STANDARD_IA").ok());
  REQUIRE(env.put("plain", "gone", "x").ok());
  REQUIRE(l.delete_object("plain", "gone").ok());
  REQUIRE(l.set_tags("plain", "dir/ia", "", {{"t", "1"}, {"u", "2"}}).ok());

  REQUIRE(l.make_bucket("ver").ok());
  REQUIRE(l.set_versioning("ver", Versioning::Enabled).ok());
  auto v1 = env.put("ver", "k", random_bytes(5000, 4));
  REQUIRE(v1.ok());
  REQUIRE(env.put("ver", "k", random_bytes(6000, 5)).ok());
  auto marker = l.delete_object("ver", "k");
  REQUIRE(marker.ok());
  REQUIRE(marker->delete_marker);
  auto k2a = env.put("ver", "k2", "first");
  REQUIRE(k2a.ok());
  REQUIRE(env.put("ver", "k2", "second").ok());
  REQUIRE(env.put("ver", "k2", "third").ok());
  REQUIRE(l.delete_object("ver", "k2", k2a->version_id).ok());  // a deleted specific version
  REQUIRE(l.set_tags("ver", "k", v1->version_id, {{"old", "yes"}}).ok());
  ObjectMeta replaced;
  replaced.content_type = "application/json";
  REQUIRE(l.update_metadata("ver", "k2", replaced).ok());
  // A marker removed by its version id takes its data dir with it.
  auto m2 = l.delete_object("ver", "k3");
  REQUIRE(m2.ok());
  REQUIRE(l.delete_object("ver", "k3", m2->version_id).ok());
  REQUIRE(l.put_bucket_config("ver", "cors", "<CORSConfiguration/>").ok());
  REQUIRE(l.put_bucket_config("ver", "lifecycle", "<LifecycleConfiguration>1</LifecycleConfiguration>").ok());
  REQUIRE(l.put_bucket_config("ver", "lifecycle", "<LifecycleConfiguration>2</LifecycleConfiguration>").ok());
  REQUIRE(l.put_bucket_config("plain", "cors", "gone soon").ok());
  REQUIRE(l.delete_bucket_config("plain", "cors").ok());

  // Multipart: one completed object, one upload with parts, one without.
  ObjectMeta mp_meta;
  mp_meta.content_type = "video/mp4";
  auto done = l.create_upload("ver", "big", mp_meta);
  REQUIRE(done.ok());
  const std::string p1 = random_bytes(5u << 20, 6), p2 = random_bytes(3000, 7);
  auto e1 = env.put_part("ver", "big", done->upload_id, 1, p1);
  auto e2 = env.put_part("ver", "big", done->upload_id, 2, p2);
  REQUIRE((e1.ok() && e2.ok()));
  REQUIRE(l.complete_upload("ver", "big", done->upload_id, {{1, e1->etag}, {2, e2->etag}}).ok());
  // Moved to another pool: every part's new dir holds the object record.
  REQUIRE(l.transition_object("ver", "big", "", "STANDARD_IA").ok());
  ObjectMeta ia;
  ia.storage_class = "STANDARD_IA";
  auto open_with_parts = l.create_upload("plain", "mp", ia);
  REQUIRE(open_with_parts.ok());
  REQUIRE(env.put_part("plain", "mp", open_with_parts->upload_id, 1, random_bytes(5u << 20, 8)).ok());
  REQUIRE(env.put_part("plain", "mp", open_with_parts->upload_id, 3, "tail").ok());
  REQUIRE(env.put_part("plain", "mp", open_with_parts->upload_id, 3, "tail, again").ok());  // replaced part
  auto open_empty = l.create_upload("ver", "later", {});
  REQUIRE(open_empty.ok());

  REQUIRE(l.make_bucket("susp").ok());
  REQUIRE(l.set_versioning("susp", Versioning::Enabled).ok());
  REQUIRE(env.put("susp", "s", "real version").ok());
  REQUIRE(l.set_versioning("susp", Versioning::Suspended).ok());
  REQUIRE(env.put("susp", "s", "null version").ok());
  REQUIRE(l.delete_object("susp", "s").ok());  // a null delete marker replaces it
  REQUIRE(l.make_bucket("empty").ok());
  REQUIRE(l.put_bucket_config("plain", "silt.lifecycle.cursor", "a").ok());

  const std::string before = snapshot(*env.layer);
  const auto before_bodies = bodies(env);
  REQUIRE(before_bodies.size() == 8);

  SECTION("rebuilt beside the old index") {
    RebuildStats st = rebuild(env);
    CHECK(st.buckets == 4);
    CHECK(st.buckets_inferred == 0);
    CHECK(st.configs == 2);
    CHECK(st.versions == 8);
    CHECK(st.delete_markers == 2);
    CHECK(st.uploads == 2);
    CHECK(st.parts == 2);
    CHECK(st.skipped_files == 0);
    CHECK(stdfs::exists(st.old_index));
    // The lifecycle cursor is internal and not mirrored: a pass restarts instead.
    std::string expected = before;
    const std::string cursor = " config silt.lifecycle.cursor=a\n";
    REQUIRE(expected.find(cursor) != std::string::npos);
    expected.erase(expected.find(cursor), cursor.size());
    check_same(snapshot(*env.layer), expected);
    CHECK(bodies(env) == before_bodies);
  }

  SECTION("the index directory deleted entirely") {
    env.layer.reset();
    stdfs::remove_all(env.cfg.index_dir);
    RebuildStats st = rebuild(env);
    CHECK(st.old_index.empty());
    CHECK(st.versions == 8);
    CHECK(bodies(env) == before_bodies);

    // Still a working store: finish the open upload, write and overwrite.
    auto parts = env.layer->list_parts("plain", "mp", open_with_parts->upload_id, 0, 10);
    REQUIRE(parts.ok());
    REQUIRE(parts->parts.size() == 2);
    auto c = env.layer->complete_upload("plain", "mp", open_with_parts->upload_id,
                                        {{1, parts->parts[0].etag}, {3, parts->parts[1].etag}});
    REQUIRE(c.ok());
    CHECK(c->meta.storage_class == "STANDARD_IA");
    CHECK(env.get("plain", "mp")->substr(5u << 20) == "tail, again");
    REQUIRE(env.put("ver", "k", "after").ok());
    CHECK(*env.get("ver", "k") == "after");
  }

  SECTION("no data dir is left that the rebuilt index does not name") {
    RebuildStats st = rebuild(env);
    CHECK(st.unreferenced_dirs == 0);
    const size_t entries = env.count_entries("data");
    env.reopen();  // the startup sweep finds nothing to remove
    CHECK(env.count_entries("data") == entries);
  }
}

TEST_CASE("rebuild-index: crash leftovers do not resurrect uploads or lose objects", "[rebuild]") {
  StorageEnv env;
  ObjectLayer& l = *env.layer;
  REQUIRE(l.make_bucket("b").ok());
  auto u = l.create_upload("b", "obj", {});
  REQUIRE(u.ok());
  const std::string upload_file = env.cfg.drives[0] + "/sys/uploads/" + u->upload_id + ".json";
  auto upload_json = fs::read_file(upload_file);
  REQUIRE(upload_json.ok());
  auto e1 = env.put_part("b", "obj", u->upload_id, 1, "only part");
  REQUIRE(e1.ok());
  REQUIRE(l.complete_upload("b", "obj", u->upload_id, {{1, e1->etag}}).ok());
  CHECK_FALSE(fs::exists(upload_file));

  // A crash after the completion commit, before the upload's mirror was removed:
  // the object's record names its upload, so the upload stays completed.
  REQUIRE(fs::write_file_synced(upload_file, *upload_json).ok());
  // A crash after a version was published but before its commit: the rebuild
  // may keep it (the PUT was never acknowledged, either outcome is allowed).
  // A leftover older null version (overwrite cut short) must not win.
  auto before = env.get("b", "obj");
  REQUIRE(before.ok());

  RebuildStats st = rebuild(env);
  CHECK(st.uploads == 0);
  CHECK(st.versions == 1);
  auto uploads = env.layer->list_uploads("b", {});
  REQUIRE(uploads.ok());
  CHECK(uploads->uploads.empty());
  CHECK(*env.get("b", "obj") == *before);
  // The next start removes the stale upload file: the index knows the bucket, not the upload.
  CHECK_FALSE(fs::exists(upload_file));
}

TEST_CASE("rebuild-index: corrupt meta.json files are skipped and counted", "[rebuild]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(env.put("b", "x", random_bytes(3000, 9)).ok());
  const std::string id = env.data_id("b", "x");
  // One drive's copy is garbage: the other five agree and win.
  const std::string meta = env.set().pools[0]->drives[0].data_dir(id) + "/meta.json";
  REQUIRE(fs::write_file_synced(meta, "{not json").ok());
  RebuildStats st = rebuild(env);
  CHECK(st.skipped_files == 1);
  CHECK(st.versions == 1);
  CHECK(env.get("b", "x")->size() == 3000);
}

TEST_CASE("rebuild-index: drive mirror file formats", "[rebuild]") {
  CHECK(config_file_name("cors") == "cors");
  CHECK(config_file_name("a/b c") == "a%2Fb%20c");
  CHECK(config_file_name(".hidden") == "%2Ehidden");
  CHECK(config_name_from_file(config_file_name("x/../y")) == "x/../y");
  auto c = decode_config_mirror(encode_config_mirror(42, std::string("bin\0ary\n", 8)));
  REQUIRE(c.ok());
  CHECK(c->written_us == 42);
  CHECK(c->body == std::string("bin\0ary\n", 8));
  CHECK_FALSE(decode_config_mirror("silt-config 1 x\nbody").ok());
  auto b = decode_bucket_mirror(encode_bucket_mirror(7, R"({"name":"b","created_ms":1})"));
  REQUIRE(b.ok());
  CHECK(b->written_us == 7);
  CHECK(b->body == R"({"created_ms":1,"name":"b"})");
}

TEST_CASE("rebuild-index: a completion cut short before its commit is undone at startup", "[rebuild]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  auto u = env.layer->create_upload("b", "obj", {});
  REQUIRE(u.ok());
  auto e1 = env.put_part("b", "obj", u->upload_id, 1, "part one");
  REQUIRE(e1.ok());
  std::optional<UploadedPart> part;
  for (const auto& fan : stdfs::directory_iterator(env.set().pools[0]->drives[0].data_root()))
    for (const auto& e : stdfs::directory_iterator(fan.path()))
      if (auto p = decode_uploaded_part(*fs::read_file(e.path().string() + "/meta.json"))) part = *p;
  REQUIRE(part.has_value());
  // What SysMirror::before_complete_upload writes just before the commit that a crash prevented.
  ObjectRecord rec;
  rec.info.bucket = "b";
  rec.info.key = "obj";
  rec.upload_id = u->upload_id;
  rec.layout = part->layout;
  rec.layout.data_id.clear();
  rec.layout.distribution.clear();
  rec.parts.push_back({1, part->info.size, part->info.etag, part->layout.data_id, part->layout.distribution, {}, 0});
  for (const auto& d : env.set().pools[0]->drives)
    REQUIRE(fs::write_file_synced(d.data_dir(part->layout.data_id) + "/meta.json", encode_object_record(rec)).ok());

  env.reopen();  // the index still has the upload: its part record comes back on every drive
  for (const auto& d : env.set().pools[0]->drives)
    CHECK(decode_uploaded_part(*fs::read_file(d.data_dir(part->layout.data_id) + "/meta.json")).ok());
  RebuildStats st = rebuild(env);
  CHECK(st.uploads == 1);
  CHECK(st.parts == 1);
  CHECK(st.versions == 0);
  REQUIRE(env.layer->complete_upload("b", "obj", u->upload_id, {{1, e1->etag}}).ok());
  CHECK(*env.get("b", "obj") == "part one");
}
