// Versioning through any backend: Enabled and Suspended buckets, null versions,
// delete markers, deleting versions, version listings and their order.
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "env.h"
#include "index/keys.h"

using namespace silt;
using silt::conformance::random_bytes;

namespace {

std::vector<std::string> version_ids(const VersionListResult& r) {
  std::vector<std::string> v;
  for (const auto& o : r.versions) v.push_back(o.version_id);
  return v;
}

}  // namespace

TEST_CASE("versioning: versions, delete markers, deleting versions", "[versioning]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  CHECK(env.layer->head_bucket("b")->versioning == Versioning::Unversioned);
  CHECK(env.layer->set_versioning("b", Versioning::Unversioned).error().code == s3::Code::InvalidArgument);
  CHECK(env.layer->set_versioning("nob", Versioning::Enabled).error().code == s3::Code::NoSuchBucket);
  REQUIRE(env.layer->put_bucket_config("b", "cors", "<CORSConfiguration/>").ok());
  REQUIRE(env.layer->set_versioning("b", Versioning::Enabled).ok());
  CHECK(env.layer->head_bucket("b")->versioning == Versioning::Enabled);
  CHECK(env.layer->list_buckets()->front().versioning == Versioning::Enabled);
  CHECK(*env.layer->get_bucket_config("b", "cors") == std::optional<std::string>("<CORSConfiguration/>"));

  std::vector<std::string> data, ids;
  for (int i = 0; i < 3; ++i) {
    data.push_back(random_bytes(1000 + static_cast<size_t>(i), static_cast<unsigned>(i)));
    auto r = env.put("b", "k", data.back());
    REQUIRE(r.ok());
    CHECK(keys::is_version_id(r->version_id));
    ids.push_back(r->version_id);
  }
  CHECK(ids[2] < ids[1]);  // newer versions sort first
  CHECK(ids[1] < ids[0]);
  CHECK(env.data_items() == 3);  // nothing replaced
  REQUIRE(env.put("b", "other", "x").ok());

  auto st = env.layer->stat_object("b", "k");
  REQUIRE(st.ok());
  CHECK(st->version_id == ids[2]);
  CHECK(st->is_latest);
  auto old = env.layer->stat_object("b", "k", ids[0]);
  REQUIRE(old.ok());
  CHECK_FALSE(old->is_latest);
  CHECK(*env.get_version("b", "k", ids[0]) == data[0]);
  CHECK(*env.get_version("b", "k", ids[1]) == data[1]);
  CHECK(env.layer->stat_object("b", "k", std::string(32, 'f')).error().code == s3::Code::NoSuchVersion);
  CHECK(env.layer->stat_object("b", "k", "null").error().code == s3::Code::NoSuchVersion);

  auto vl = env.layer->list_object_versions("b", {});
  REQUIRE(vl.ok());
  REQUIRE(vl->versions.size() == 4);
  CHECK(vl->versions[0].key == "k");
  CHECK(version_ids(*vl) == std::vector<std::string>{ids[2], ids[1], ids[0], vl->versions[3].version_id});
  CHECK(vl->versions[0].is_latest);
  CHECK_FALSE(vl->versions[1].is_latest);
  CHECK_FALSE(vl->versions[2].is_latest);
  CHECK(vl->versions[3].key == "other");
  CHECK(vl->versions[3].is_latest);

  // DELETE without a version id: a delete marker hides the key.
  auto del = env.layer->delete_object("b", "k");
  REQUIRE(del.ok());
  CHECK(del->delete_marker);
  CHECK(keys::is_version_id(del->version_id));
  const std::string marker = del->version_id;
  auto hidden = env.layer->stat_object("b", "k");
  REQUIRE_FALSE(hidden.ok());
  CHECK(hidden.error().code == s3::Code::NoSuchKey);
  CHECK(hidden.error().extra.at("DeleteMarker") == "true");
  CHECK(hidden.error().extra.at("VersionId") == marker);
  auto named = env.layer->stat_object("b", "k", marker);
  REQUIRE_FALSE(named.ok());
  CHECK(named.error().code == s3::Code::MethodNotAllowed);
  CHECK(named.error().extra.at("DeleteMarker") == "true");
  auto listed = env.layer->list_objects("b", {});
  REQUIRE(listed.ok());
  REQUIRE(listed->objects.size() == 1);
  CHECK(listed->objects[0].key == "other");
  CHECK(*env.get_version("b", "k", ids[2]) == data[2]);  // older versions stay readable
  auto vl2 = env.layer->list_object_versions("b", {});
  REQUIRE(vl2.ok());
  REQUIRE(vl2->versions.size() == 5);
  CHECK(vl2->versions[0].delete_marker);
  CHECK(vl2->versions[0].is_latest);
  CHECK_FALSE(vl2->versions[1].is_latest);

  // Removing the marker brings the newest version back.
  auto undel = env.layer->delete_object("b", "k", marker);
  REQUIRE(undel.ok());
  CHECK(undel->delete_marker);
  CHECK(undel->version_id == marker);
  CHECK(env.layer->stat_object("b", "k")->version_id == ids[2]);
  // Removing the latest version for good: the next newest becomes latest, its data is freed.
  REQUIRE(env.layer->delete_object("b", "k", ids[2]).ok());
  CHECK(env.layer->stat_object("b", "k")->version_id == ids[1]);
  CHECK(*env.get("b", "k") == data[1]);
  CHECK(env.data_items() == 3);
  // A version in the middle.
  REQUIRE(env.layer->delete_object("b", "k", ids[0]).ok());
  CHECK(version_ids(*env.layer->list_object_versions("b", {})).size() == 2);
  CHECK(env.layer->delete_object("b", "k", ids[0]).ok());  // already gone: fine
  CHECK(env.layer->delete_bucket("b").error().code == s3::Code::BucketNotEmpty);
  REQUIRE(env.layer->delete_object("b", "k", ids[1]).ok());
  CHECK(env.layer->stat_object("b", "k").error().code == s3::Code::NoSuchKey);
  // Delete markers alone still keep the bucket from being deleted.
  REQUIRE(env.layer->delete_object("b", "other").ok());
  CHECK(env.layer->delete_bucket("b").error().code == s3::Code::BucketNotEmpty);
  auto rest = env.layer->list_object_versions("b", {});
  REQUIRE(rest.ok());
  for (const auto& v : rest->versions) REQUIRE(env.layer->delete_object("b", v.key, v.version_id).ok());
  CHECK(env.data_items() == 0);
  CHECK(env.layer->list_object_versions("b", {})->versions.empty());
  REQUIRE(env.layer->delete_bucket("b").ok());
  // Config documents went with the bucket.
  REQUIRE(env.layer->make_bucket("b").ok());
  CHECK(env.layer->head_bucket("b")->versioning == Versioning::Unversioned);
  CHECK_FALSE(env.layer->get_bucket_config("b", "cors")->has_value());
}

TEST_CASE("versioning: suspended buckets keep one null version", "[versioning]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  // A null version from before versioning was enabled.
  REQUIRE(env.put("b", "k", "unversioned").ok());
  REQUIRE(env.layer->set_versioning("b", Versioning::Enabled).ok());
  auto v1 = env.put("b", "k", "v1");
  REQUIRE(v1.ok());
  REQUIRE(env.layer->set_versioning("b", Versioning::Suspended).ok());
  CHECK(env.layer->head_bucket("b")->versioning == Versioning::Suspended);
  CHECK(env.data_items() == 2);
  auto n1 = env.put("b", "k", "null-1");
  REQUIRE(n1.ok());
  CHECK(n1->version_id == "null");
  CHECK(env.data_items() == 2);  // replaced the first null version and freed it
  auto n2 = env.put("b", "k", "null-2");
  REQUIRE(n2.ok());
  CHECK(env.data_items() == 2);
  CHECK(*env.get("b", "k") == "null-2");
  CHECK(*env.get_version("b", "k", "null") == "null-2");
  CHECK(*env.get_version("b", "k", v1->version_id) == "v1");
  auto vl = env.layer->list_object_versions("b", {});
  REQUIRE(vl.ok());
  CHECK(version_ids(*vl) == std::vector<std::string>{"null", v1->version_id});

  // A delete in a suspended bucket is a null delete marker replacing the null version.
  auto del = env.layer->delete_object("b", "k");
  REQUIRE(del.ok());
  CHECK(del->delete_marker);
  CHECK(del->version_id == "null");
  CHECK(env.data_items() == 2);  // v1, and the null delete marker (its record, for a rebuild)
  CHECK(env.layer->stat_object("b", "k").error().extra.at("VersionId") == "null");
  auto vl2 = env.layer->list_object_versions("b", {});
  REQUIRE(vl2.ok());
  REQUIRE(vl2->versions.size() == 2);
  CHECK(vl2->versions[0].delete_marker);
  CHECK(vl2->versions[0].version_id == "null");
  CHECK(vl2->versions[1].version_id == v1->version_id);
  // Re-enabled: new ids again, null versions stay where they are.
  REQUIRE(env.layer->set_versioning("b", Versioning::Enabled).ok());
  auto v2 = env.put("b", "k", "v2");
  REQUIRE(v2.ok());
  CHECK(keys::is_version_id(v2->version_id));
  CHECK(version_ids(*env.layer->list_object_versions("b", {})) ==
        std::vector<std::string>{v2->version_id, "null", v1->version_id});
  env.reopen();
  CHECK(env.layer->head_bucket("b")->versioning == Versioning::Enabled);
  CHECK(*env.get("b", "k") == "v2");
  CHECK(env.data_items() == 3);  // v1, v2 and the null delete marker
}

TEST_CASE("versioning: unversioned buckets list null versions and delete in place", "[versioning]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(env.put("b", "k", "one").ok());
  REQUIRE(env.put("b", "k", "two").ok());
  auto vl = env.layer->list_object_versions("b", {});
  REQUIRE(vl.ok());
  REQUIRE(vl->versions.size() == 1);
  CHECK(vl->versions[0].version_id == "null");
  CHECK(vl->versions[0].is_latest);
  auto del = env.layer->delete_object("b", "k");
  REQUIRE(del.ok());
  CHECK_FALSE(del->delete_marker);
  CHECK(del->version_id.empty());
  CHECK(env.data_items() == 0);
  CHECK(env.layer->list_object_versions("b", {})->versions.empty());
  REQUIRE(env.layer->delete_bucket("b").ok());
}

TEST_CASE("versioning: listings page through versions and hide deleted keys", "[versioning]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(env.layer->set_versioning("b", Versioning::Enabled).ok());
  // (key, version id) newest first within a key, keys in byte order.
  std::map<std::string, std::vector<std::string>> expect;
  // Empty objects: listings never read data.
  for (const std::string& key : std::vector<std::string>{"a", "d/1", "d/2", "e", std::string("a\0b", 3)})
    for (int i = 0; i < 3; ++i) {
      auto r = env.put("b", key, "");
      REQUIRE(r.ok());
      CHECK(r->etag == "d41d8cd98f00b204e9800998ecf8427e");
      expect[key].insert(expect[key].begin(), r->version_id);
    }
  CHECK(env.data_items() == 15);  // an Enabled bucket replaces nothing
  std::vector<std::pair<std::string, std::string>> want;
  for (const auto& [k, vs] : expect)
    for (const auto& v : vs) want.emplace_back(k, v);

  for (int page : {1, 2, 4, 100}) {
    INFO("page " << page);
    std::vector<std::pair<std::string, std::string>> seen;
    VersionListParams p;
    p.max_keys = page;
    for (int guard = 0; guard < 40; ++guard) {
      auto r = env.layer->list_object_versions("b", p);
      REQUIRE(r.ok());
      for (const auto& v : r->versions) {
        seen.emplace_back(v.key, v.version_id);
        CHECK(v.is_latest == (v.version_id == expect[v.key].front()));
      }
      if (!r->truncated) break;
      p.key_marker = r->next_key_marker;
      p.version_id_marker = r->next_version_id_marker;
    }
    CHECK(seen == want);
  }
  VersionListParams d;
  d.delimiter = "/";
  auto grouped = env.layer->list_object_versions("b", d);
  REQUIRE(grouped.ok());
  CHECK(grouped->prefixes == std::vector<std::string>{"d/"});
  CHECK(grouped->versions.size() == 9);
  VersionListParams km;
  km.key_marker = "a";
  auto after = env.layer->list_object_versions("b", km);
  REQUIRE(after.ok());
  CHECK(after->versions.front().key == std::string("a\0b", 3));

  // Delete markers on both keys under d/: the common prefix disappears from listings.
  REQUIRE(env.layer->delete_object("b", "d/1").ok());
  REQUIRE(env.layer->delete_object("b", "d/2").ok());
  REQUIRE(env.layer->delete_object("b", "e").ok());
  ListParams lp;
  lp.delimiter = "/";
  auto objs = env.layer->list_objects("b", lp);
  REQUIRE(objs.ok());
  CHECK(objs->prefixes.empty());
  REQUIRE(objs->objects.size() == 2);
  CHECK(objs->objects[0].key == "a");
  CHECK(objs->objects[1].key == std::string("a\0b", 3));
  ListParams one;
  one.max_keys = 2;
  auto paged = env.layer->list_objects("b", one);
  REQUIRE(paged.ok());
  CHECK(paged->objects.size() == 2);
  CHECK_FALSE(paged->truncated);
}
