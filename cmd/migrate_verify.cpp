#include "cmd/migrate_verify.h"

#include <pugixml.hpp>
#include <regex>

#include "client/connection.h"
#include "util/time.h"
#include "util/uri.h"

namespace silt {

namespace {

constexpr size_t kMaxAnswer = 64ull << 20;  // a page of 1000 versions is far smaller
constexpr size_t kMaxDifferences = 50;

struct Answer {
  unsigned status = 0;
  std::string body;
};

// One signed GET of /bucket[/key]?query (query: names in SigV4's order, values unencoded).
s3::Result<Answer> get(const S3Target& t, const std::string& bucket, const std::string& key,
                       const std::vector<std::pair<std::string, std::string>>& query) {
  std::string target = "/" + uri_encode(bucket, false);
  if (!key.empty()) target += "/" + uri_encode(key, true);
  char sep = '?';
  for (const auto& [k, v] : query) {
    target += sep + uri_encode(k, false) + "=" + uri_encode(v, false);
    sep = '&';
  }
  auto headers = admin::signed_headers("GET", target, t.ep, t.creds, t.region, now_ms());
  headers.emplace_back("user-agent", "silt-migrate-verify");
  headers.emplace_back("connection", "close");
  client::Connection conn(t.ep, {}, std::chrono::seconds(60));
  if (auto s = conn.connect(); !s) return s.error();
  if (auto s = conn.write_head("GET", target, headers, std::nullopt); !s) return s.error();
  auto r = conn.read_response({.max_body = kMaxAnswer});
  if (!r) return r.error();
  return Answer{r->status, std::move(r->body)};
}

// The answer as compared: an error document without its RequestId and HostId.
std::string comparable(const Answer& a) {
  static const std::regex ids("<(RequestId|HostId)>[^<]*</(RequestId|HostId)>");
  std::string body = a.status >= 300 ? std::regex_replace(a.body, ids, "") : a.body;
  return std::to_string(a.status) + "\n" + body;
}

}  // namespace

VerifyReport verify_migration(const S3Target& old, const S3Target& cluster, const std::vector<std::string>& buckets,
                              const std::function<void(uint64_t)>& on_page) {
  VerifyReport rep;
  auto differ = [&](std::string what) {
    ++rep.differing;
    if (rep.differences.size() < kMaxDifferences) rep.differences.push_back(std::move(what));
  };
  // Both answers to one request; false when they differ (or one could not be asked).
  auto same_at = [&](const std::string& bucket, const std::string& key,
                     const std::vector<std::pair<std::string, std::string>>& q, const std::string& what, Answer* kept) {
    auto a = get(old, bucket, key, q), b = get(cluster, bucket, key, q);
    if (!a || !b) {
      differ(what + ": " + (!a ? "the old server: " + a.error().message : "the cluster: " + b.error().message));
      return false;
    }
    if (comparable(*a) != comparable(*b)) {
      differ(what + ": the answers differ (HTTP " + std::to_string(a->status) + " / " + std::to_string(b->status) +
             ")");
      return false;
    }
    if (kept) *kept = std::move(*a);
    return true;
  };
  auto same = [&](const std::string& bucket, const std::vector<std::pair<std::string, std::string>>& q,
                  const std::string& what, Answer* kept) { return same_at(bucket, "", q, what, kept); };
  // Every page of ListParts of one upload.
  auto parts = [&](const std::string& bucket, const std::string& key, const std::string& upload_id) {
    ++rep.uploads;
    for (std::string marker = "0";;) {
      Answer page;
      if (!same_at(bucket, key, {{"max-parts", "1000"}, {"part-number-marker", marker}, {"uploadId", upload_id}},
                   bucket + "/" + key + "?uploadId=" + upload_id + " after part " + marker, &page))
        return;
      pugi::xml_document doc;
      if (!doc.load_buffer(page.body.data(), page.body.size())) return differ(bucket + "/" + key + ": not XML");
      auto result = doc.child("ListPartsResult");
      if (std::string_view(result.child_value("IsTruncated")) != "true") return;
      marker = result.child_value("NextPartNumberMarker");
    }
  };
  // Every page of ListMultipartUploads of one bucket, and the parts of each upload.
  auto uploads = [&](const std::string& bucket) {
    std::string key_marker, id_marker;
    for (;;) {
      std::vector<std::pair<std::string, std::string>> q{{"max-uploads", "1000"}, {"uploads", ""}};
      if (!id_marker.empty()) q.insert(q.begin() + 1, {"upload-id-marker", id_marker});
      if (!key_marker.empty()) q.insert(q.begin(), {"key-marker", key_marker});
      Answer page;
      if (!same(bucket, q, bucket + "?uploads after key \"" + key_marker + "\"", &page)) return;
      pugi::xml_document doc;
      if (!doc.load_buffer(page.body.data(), page.body.size())) return differ(bucket + "?uploads: not XML");
      auto result = doc.child("ListMultipartUploadsResult");
      for (auto u : result.children("Upload")) parts(bucket, u.child_value("Key"), u.child_value("UploadId"));
      if (std::string_view(result.child_value("IsTruncated")) != "true") return;
      key_marker = result.child_value("NextKeyMarker");
      id_marker = result.child_value("NextUploadIdMarker");
    }
  };
  static const char* kDocuments[] = {"policy",
                                     "lifecycle",
                                     "cors",
                                     "acl",
                                     "tagging",
                                     "versioning",
                                     "object-lock",
                                     "encryption",
                                     "publicAccessBlock",
                                     "ownershipControls",
                                     "location"};
  // ListBuckets: names and CreationDates (the migration carries each bucket's).
  ++rep.documents;
  same("", {}, "ListBuckets", nullptr);
  for (const auto& bucket : buckets) {
    ++rep.buckets;
    for (const char* doc : kDocuments) {
      ++rep.documents;
      same(bucket, {{doc, ""}}, bucket + "?" + doc, nullptr);
    }
    std::string key_marker, version_marker;
    for (;;) {
      std::vector<std::pair<std::string, std::string>> q{{"key-marker", key_marker}, {"max-keys", "1000"}};
      if (!version_marker.empty()) q.emplace_back("version-id-marker", version_marker);
      q.emplace_back("versions", "");
      if (key_marker.empty()) q.erase(q.begin());
      Answer page;
      ++rep.pages;
      if (!same(bucket, q, bucket + "?versions after key \"" + key_marker + "\"", &page)) break;
      pugi::xml_document doc;
      if (!doc.load_buffer(page.body.data(), page.body.size())) {
        differ(bucket + "?versions: not XML");
        break;
      }
      auto result = doc.child("ListVersionsResult");
      uint64_t n = 0;
      for (auto child : result.children())
        if (std::string_view(child.name()) == "Version" || std::string_view(child.name()) == "DeleteMarker") ++n;
      rep.versions += n;
      if (on_page) on_page(n);
      if (std::string_view(result.child_value("IsTruncated")) != "true") break;
      key_marker = result.child_value("NextKeyMarker");
      version_marker = result.child_value("NextVersionIdMarker");
    }
    uploads(bucket);
  }
  return rep;
}

}  // namespace silt
