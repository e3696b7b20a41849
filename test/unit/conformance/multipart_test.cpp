// Multipart uploads through any backend: parts in any order, replaced parts, completion
// with subsets and its errors, abort, restarts, listings of parts and uploads, and
// composite checksums.
#include <catch2/catch.hpp>
#include <thread>

#include "env.h"
#include "index/keys.h"
#include "util/checksum.h"
#include "util/hash.h"

using namespace silt;
using silt::conformance::random_bytes;

namespace {

constexpr size_t kMiB5 = 5u << 20;

std::string multipart_etag(const std::vector<std::string>& parts) {
  std::string cat;
  for (const auto& p : parts) cat += md5_raw(p);
  return hex_encode(md5_raw(cat)) + "-" + std::to_string(parts.size());
}

}  // namespace

TEST_CASE("multipart: out of order parts, replaced part, subset completion, reads across parts", "[multipart]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  ObjectMeta meta;
  meta.content_type = "text/csv";
  meta.user = {{"team", "lake"}};
  auto up = env.layer->create_upload("b", "dir/big", meta);
  REQUIRE(up.ok());
  const std::string id = up->upload_id;
  CHECK(keys::is_upload_id(id));
  CHECK(env.layer->create_upload("b", "dir/big", meta)->upload_id != id);  // ids are unique

  const std::string p1 = random_bytes(kMiB5, 1);
  const std::string p2a = random_bytes(kMiB5 + 7, 2);
  const std::string p2 = random_bytes(kMiB5 + 4099, 3);
  const std::string p3 = random_bytes(1000, 4);
  const std::string p4 = random_bytes(500, 5);
  // Parts arrive out of order.
  auto r3 = env.put_part("b", "dir/big", id, 3, p3);
  REQUIRE(r3.ok());
  CHECK(r3->etag == hex_encode(md5_raw(p3)));
  CHECK(r3->size == p3.size());
  REQUIRE(env.put_part("b", "dir/big", id, 2, p2a).ok());
  REQUIRE(env.put_part("b", "dir/big", id, 1, p1).ok());
  REQUIRE(env.put_part("b", "dir/big", id, 4, p4).ok());
  // Re-uploading part 2 replaces it and frees the old data.
  REQUIRE(env.put_part("b", "dir/big", id, 2, p2).ok());
  CHECK(env.data_items() == 4);

  auto parts = env.layer->list_parts("b", "dir/big", id, 0, 1000);
  REQUIRE(parts.ok());
  REQUIRE(parts->parts.size() == 4);
  for (int i = 0; i < 4; ++i) CHECK(parts->parts[static_cast<size_t>(i)].number == i + 1);
  CHECK(parts->parts[1].etag == hex_encode(md5_raw(p2)));
  CHECK(parts->upload.meta.content_type == "text/csv");
  auto page = env.layer->list_parts("b", "dir/big", id, 1, 2);
  REQUIRE(page.ok());
  REQUIRE(page->parts.size() == 2);
  CHECK(page->parts[0].number == 2);
  CHECK(page->truncated);
  CHECK(page->next_marker == 3);

  // Complete parts 1..3 (quoted etags, as clients send them); part 4 is dropped.
  std::vector<CompletedPart> list = {{1, "\"" + hex_encode(md5_raw(p1)) + "\""},
                                     {2, hex_encode(md5_raw(p2))},
                                     {3, "\"" + hex_encode(md5_raw(p3)) + "\""}};
  auto done = env.layer->complete_upload("b", "dir/big", id, list);
  REQUIRE(done.ok());
  const std::string all = p1 + p2 + p3;
  CHECK(done->size == all.size());
  CHECK(done->etag == multipart_etag({p1, p2, p3}));
  REQUIRE(done->parts.size() == 3);
  CHECK(done->parts[1].number == 2);
  CHECK(done->parts[1].size == p2.size());
  CHECK(done->meta.content_type == "text/csv");
  CHECK(env.data_items() == 3);  // part 4 is freed
  CHECK(env.layer->get_upload("b", "dir/big", id).error().code == s3::Code::NoSuchUpload);
  // The other upload of the same key is untouched.
  auto uploads = env.layer->list_uploads("b", {});
  REQUIRE(uploads.ok());
  CHECK(uploads->uploads.size() == 1);

  auto st = env.layer->stat_object("b", "dir/big");
  REQUIRE(st.ok());
  CHECK(st->etag == done->etag);
  CHECK(st->parts.size() == 3);
  CHECK(st->meta.user == meta.user);
  auto got = env.get("b", "dir/big", 0, UINT64_MAX, 100000);
  REQUIRE(got.ok());
  CHECK(*got == all);
  struct R {
    uint64_t off, len;
  };
  for (R r : {R{kMiB5 - 10, 20}, R{kMiB5 - 1, 1}, R{kMiB5, 1}, R{100, 2 * kMiB5 + 4099 + 500},
              R{2 * kMiB5 + 4099 - 3, 1003}, R{kMiB5 + 4096, 5000}}) {
    INFO("off " << r.off << " len " << r.len);
    auto part = env.get("b", "dir/big", r.off, r.len, 3001);
    REQUIRE(part.ok());
    CHECK(*part == all.substr(r.off, r.len));
  }
  // Overwriting the key frees every part's data; aborting the other upload leaves nothing.
  REQUIRE(env.layer->abort_upload("b", "dir/big", uploads->uploads[0].upload_id).ok());
  REQUIRE(env.put("b", "dir/big", "small").ok());
  CHECK(env.data_items() == 1);
  CHECK(env.temp_items() == 0);
}

TEST_CASE("multipart: completion errors leave the upload intact", "[multipart]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  auto up = env.layer->create_upload("b", "k", {});
  REQUIRE(up.ok());
  const std::string id = up->upload_id;
  const std::string big = random_bytes(kMiB5, 9);
  const std::string small = random_bytes(100, 10);
  REQUIRE(env.put_part("b", "k", id, 1, small).ok());
  REQUIRE(env.put_part("b", "k", id, 2, big).ok());
  REQUIRE(env.put_part("b", "k", id, 3, small).ok());
  const std::string es = hex_encode(md5_raw(small));
  const std::string eb = hex_encode(md5_raw(big));

  auto code = [&](std::vector<CompletedPart> parts) {
    auto r = env.layer->complete_upload("b", "k", id, parts);
    return r.ok() ? s3::Code::InternalError : r.error().code;
  };
  CHECK(code({{1, es}, {2, eb}}) == s3::Code::EntityTooSmall);
  CHECK(code({{2, eb}, {1, es}}) == s3::Code::InvalidPartOrder);
  CHECK(code({{2, eb}, {2, eb}}) == s3::Code::InvalidPartOrder);
  CHECK(code({{2, es}}) == s3::Code::InvalidPart);  // wrong etag
  CHECK(code({{2, eb}, {7, es}}) == s3::Code::InvalidPart);
  CHECK(code({}) == s3::Code::MalformedXML);
  CHECK(env.layer->create_part("b", "k", id, 0).error().code == s3::Code::InvalidArgument);
  CHECK(env.layer->create_part("b", "k", id, 10001).error().code == s3::Code::InvalidArgument);
  CHECK(env.layer->create_part("b", "other", id, 1).error().code == s3::Code::NoSuchUpload);
  CHECK(env.layer->create_part("b", "k", "nope", 1).error().code == s3::Code::NoSuchUpload);
  CHECK(env.layer->get_upload("b", "other", id).error().code == s3::Code::NoSuchUpload);
  CHECK(env.layer->complete_upload("b", "k", std::string(48, 'a'), {{1, es}}).error().code == s3::Code::NoSuchUpload);
  CHECK(env.layer->stat_object("b", "k").error().code == s3::Code::NoSuchKey);
  REQUIRE(env.layer->get_upload("b", "k", id).ok());

  // A single small part is a valid object; so is the big one followed by a small one.
  auto ok = env.layer->complete_upload("b", "k", id, {{2, eb}, {3, es}});
  REQUIRE(ok.ok());
  CHECK(*env.get("b", "k", 0, UINT64_MAX, 65536) == big + small);
  CHECK(env.layer->complete_upload("b", "k", id, {{2, eb}, {3, es}}).error().code == s3::Code::NoSuchUpload);
}

TEST_CASE("multipart: abort frees every part, late parts are refused", "[multipart]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  auto up = env.layer->create_upload("b", "k", {});
  REQUIRE(up.ok());
  REQUIRE(env.put_part("b", "k", up->upload_id, 1, random_bytes(3 * 4096, 1)).ok());
  REQUIRE(env.put_part("b", "k", up->upload_id, 2, random_bytes(10, 2)).ok());
  CHECK(env.data_items() == 2);
  // A part still being written when the upload is aborted must not land.
  auto late = env.layer->create_part("b", "k", up->upload_id, 3);
  REQUIRE(late.ok());
  REQUIRE((*late)->write("abc", 3).ok());
  REQUIRE(env.layer->abort_upload("b", "k", up->upload_id).ok());
  CHECK(env.data_items() == 0);
  CHECK((*late)->commit({}).error().code == s3::Code::NoSuchUpload);
  late->reset();
  CHECK(env.data_items() == 0);
  CHECK(env.temp_items() == 0);
  CHECK(env.layer->abort_upload("b", "k", up->upload_id).error().code == s3::Code::NoSuchUpload);
  CHECK(env.layer->list_parts("b", "k", up->upload_id, 0, 10).error().code == s3::Code::NoSuchUpload);
  CHECK(env.layer->delete_bucket("b").ok());
}

TEST_CASE("multipart: deleting a bucket of uploads only aborts them, late parts are refused", "[multipart]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  auto one = env.layer->create_upload("b", "k", {});
  auto two = env.layer->create_upload("b", "other/k", {});
  REQUIRE((one.ok() && two.ok()));
  REQUIRE(env.put_part("b", "k", one->upload_id, 1, random_bytes(3 * 4096, 1)).ok());
  REQUIRE(env.put_part("b", "other/k", two->upload_id, 1, random_bytes(10, 2)).ok());
  REQUIRE(env.put_part("b", "other/k", two->upload_id, 2, random_bytes(10, 3)).ok());
  CHECK(env.data_items() == 3);
  // A part being written while the bucket goes must not land (nor stay in storage).
  auto late = env.layer->create_part("b", "k", one->upload_id, 2);
  REQUIRE(late.ok());
  REQUIRE((*late)->write("abc", 3).ok());
  REQUIRE(env.layer->delete_bucket("b").ok());
  CHECK(env.data_items() == 0);
  CHECK(!(*late)->commit({}).ok());
  late->reset();
  CHECK(env.data_items() == 0);
  CHECK(env.temp_items() == 0);
  CHECK(env.layer->head_bucket("b").error().code == s3::Code::NoSuchBucket);
  // A new bucket of that name starts without them.
  REQUIRE(env.layer->make_bucket("b").ok());
  CHECK(env.layer->list_uploads("b", {})->uploads.empty());
  CHECK(env.layer->get_upload("b", "k", one->upload_id).error().code == s3::Code::NoSuchUpload);
  // One object, beside an upload, still keeps the bucket.
  auto three = env.layer->create_upload("b", "k", {});
  REQUIRE(three.ok());
  REQUIRE(env.put("b", "obj", "x").ok());
  CHECK(env.layer->delete_bucket("b").error().code == s3::Code::BucketNotEmpty);
  CHECK(env.layer->get_upload("b", "k", three->upload_id).ok());
}

TEST_CASE("multipart: uploads and their parts survive a restart", "[multipart]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  ObjectMeta meta;
  meta.content_type = "application/x-parquet";
  auto up = env.layer->create_upload("b", "t/part-0", meta);
  REQUIRE(up.ok());
  const std::string p1 = random_bytes(kMiB5, 21);
  const std::string p2 = random_bytes(333, 22);
  REQUIRE(env.put_part("b", "t/part-0", up->upload_id, 1, p1).ok());
  REQUIRE(env.put_part("b", "t/part-0", up->upload_id, 2, p2).ok());
  env.reopen();  // the orphan sweep must count the parts as referenced
  CHECK(env.data_items() == 2);
  auto list = env.layer->list_uploads("b", {});
  REQUIRE(list.ok());
  REQUIRE(list->uploads.size() == 1);
  CHECK(list->uploads[0].upload_id == up->upload_id);
  CHECK(list->uploads[0].initiated_ms == up->initiated_ms);
  CHECK(list->uploads[0].meta.content_type == "application/x-parquet");
  auto done = env.layer->complete_upload("b", "t/part-0", up->upload_id,
                                         {{1, hex_encode(md5_raw(p1))}, {2, hex_encode(md5_raw(p2))}});
  REQUIRE(done.ok());
  CHECK(done->meta.content_type == "application/x-parquet");
  env.reopen();
  auto got = env.get("b", "t/part-0", 0, UINT64_MAX, 65536);
  REQUIRE(got.ok());
  CHECK(*got == p1 + p2);
  CHECK(env.data_items() == 2);
}

TEST_CASE("multipart: list_uploads orders by key then initiation and paginates", "[multipart]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(env.layer->make_bucket("c").ok());
  std::vector<std::pair<std::string, std::string>> made;  // (key, id) in expected order
  const std::vector<std::string> order = {"b/2", "a", "c", "b/1", "a", "a\xff", std::string("a\0z", 3)};
  for (const auto& key : order) {
    auto u = env.layer->create_upload("b", key, {});
    REQUIRE(u.ok());
    made.emplace_back(key, u->upload_id);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  REQUIRE(env.layer->create_upload("c", "a", {}).ok());  // another bucket's upload stays out
  std::stable_sort(made.begin(), made.end(), [](const auto& x, const auto& y) { return x.first < y.first; });

  auto all = env.layer->list_uploads("b", {});
  REQUIRE(all.ok());
  REQUIRE(all->uploads.size() == made.size());
  for (size_t i = 0; i < made.size(); ++i) {
    CHECK(all->uploads[i].key == made[i].first);
    CHECK(all->uploads[i].upload_id == made[i].second);
  }
  CHECK_FALSE(all->truncated);

  // Pages of 2 with the markers S3 clients echo back.
  std::vector<std::pair<std::string, std::string>> seen;
  UploadListParams p;
  p.max_uploads = 2;
  for (int guard = 0; guard < 10; ++guard) {
    auto r = env.layer->list_uploads("b", p);
    REQUIRE(r.ok());
    for (const auto& u : r->uploads) seen.emplace_back(u.key, u.upload_id);
    if (!r->truncated) break;
    CHECK(r->uploads.size() == 2);
    p.key_marker = r->next_key_marker;
    p.upload_id_marker = r->next_upload_id_marker;
  }
  CHECK(seen == made);

  // Key marker alone skips every upload of that key.
  UploadListParams km;
  km.key_marker = "a";
  auto after_a = env.layer->list_uploads("b", km);
  REQUIRE(after_a.ok());
  REQUIRE_FALSE(after_a->uploads.empty());
  CHECK(after_a->uploads[0].key == std::string("a\0z", 3));

  UploadListParams d;
  d.delimiter = "/";
  auto grouped = env.layer->list_uploads("b", d);
  REQUIRE(grouped.ok());
  CHECK(grouped->prefixes == std::vector<std::string>{"b/"});
  CHECK(grouped->uploads.size() == made.size() - 2);
  // A key marker before a prefix keeps it; the prefix itself as marker (an earlier page's
  // NextKeyMarker) skips it.
  d.key_marker = "a";
  auto after_marker = env.layer->list_uploads("b", d);
  REQUIRE(after_marker.ok());
  CHECK(after_marker->prefixes == std::vector<std::string>{"b/"});
  d.key_marker = "b/";
  auto past_prefix = env.layer->list_uploads("b", d);
  REQUIRE(past_prefix.ok());
  CHECK(past_prefix->prefixes.empty());
  d.key_marker.clear();
  UploadListParams pre;
  pre.prefix = "b/";
  auto only_b = env.layer->list_uploads("b", pre);
  REQUIRE(only_b.ok());
  REQUIRE(only_b->uploads.size() == 2);
  CHECK(only_b->uploads[0].key == "b/1");

  UploadListParams big;
  big.delimiter = "/";
  for (int i = 0; i < 50; ++i) REQUIRE(env.layer->create_upload("b", "b/x" + std::to_string(i), {}).ok());
  auto r = env.layer->list_uploads("b", big);
  REQUIRE(r.ok());
  CHECK(r->prefixes == std::vector<std::string>{"b/"});
}

TEST_CASE("multipart: composite checksums from the parts' checksums", "[multipart]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  auto up = env.layer->create_upload("b", "k", {});
  REQUIRE(up.ok());
  const std::string p1 = random_bytes(kMiB5, 31);
  const std::string p2 = random_bytes(77, 32);
  auto crc = [](const std::string& d) {
    uint32_t c = crc32_ieee(0, d.data(), d.size());
    std::string be = {static_cast<char>(c >> 24), static_cast<char>(c >> 16), static_cast<char>(c >> 8),
                      static_cast<char>(c)};
    return be;
  };
  std::vector<CompletedPart> list;
  int n = 1;
  for (const std::string* p : {&p1, &p2}) {
    auto w = env.layer->create_part("b", "k", up->upload_id, n);
    REQUIRE(w.ok());
    REQUIRE((*w)->write(p->data(), p->size()).ok());
    ObjectMeta m;
    m.checksums = {{"CRC32", base64_encode(crc(*p))}};
    if (n == 1) m.checksums.emplace_back("SHA256", base64_encode(sha256_raw(*p)));  // only one part has it
    auto r = (*w)->commit(m);
    REQUIRE(r.ok());
    CHECK(r->meta.checksums == m.checksums);
    list.push_back({n++, r->etag});
  }
  auto parts = env.layer->list_parts("b", "k", up->upload_id, 0, 10);
  REQUIRE(parts.ok());
  CHECK(parts->parts[0].checksums.size() == 2);
  const std::string want = base64_encode(crc(crc(p1) + crc(p2))) + "-2";
  // The client's claims on Complete are checked before the commit; a refusal leaves the upload open.
  auto refused = [&](CompleteClaims claims) {
    auto r = env.layer->complete_upload("b", "k", up->upload_id, list, {}, claims);
    REQUIRE(!r.ok());
    CHECK(env.layer->list_parts("b", "k", up->upload_id, 0, 10).ok());
    return r.error().code;
  };
  CHECK(refused({"", {{"CRC32", base64_encode(crc(p1 + p2))}}, {}}) == s3::Code::BadDigest);
  CHECK(refused({"", {{"CRC32", want.substr(0, want.size() - 2) + "-3"}}, {}}) == s3::Code::BadDigest);
  CHECK(refused({"", {{"SHA256", base64_encode(sha256_raw(p1))}}, {}}) == s3::Code::InvalidRequest);
  CHECK(refused({"FULL_OBJECT", {}, {}}) == s3::Code::BadDigest);
  CHECK(refused({"full", {}, {}}) == s3::Code::InvalidArgument);
  CHECK(refused({"", {}, p1.size() + p2.size() + 1}) == s3::Code::InvalidRequest);
  auto done =
      env.layer->complete_upload("b", "k", up->upload_id, list, {},
                                 {"COMPOSITE", {{"CRC32", want.substr(0, want.size() - 2)}}, p1.size() + p2.size()});
  REQUIRE(done.ok());
  CHECK(done->meta.checksums == std::vector<std::pair<std::string, std::string>>{{"CRC32", want}});
  auto st = env.layer->stat_object("b", "k");
  REQUIRE(st.ok());
  CHECK(st->meta.checksums == done->meta.checksums);
  REQUIRE(st->parts.size() == 2);
  CHECK(st->parts[1].checksums == std::vector<std::pair<std::string, std::string>>{{"CRC32", base64_encode(crc(p2))}});
}
