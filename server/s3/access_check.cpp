#include "server/s3/access_check.h"

#include <memory>
#include <optional>
#include <string>

#include "server/http/blocking.h"
#include "server/s3/bucket_access.h"
#include "server/s3/handlers/copy_source.h"
#include "server/s3/router.h"

namespace silt::server {

namespace {

// "arn:aws:s3:::bucket" or "arn:aws:s3:::bucket/key".
std::string resource_arn(std::string_view bucket, const std::string* key) {
  std::string arn = "arn:aws:s3:::";
  arn += bucket;
  if (key) {
    arn += '/';
    arn += *key;
  }
  return arn;
}

auth::Action action_of(std::string_view operation) {
  if (operation == "ListBuckets") return auth::Action::ListBuckets;
  if (operation == "CreateBucket") return auth::Action::CreateBucket;
  return auth::Action::Other;
}

// What decide() needs about one bucket. exists false: no such bucket.
struct BucketFacts {
  bool exists = false;
  std::string owner;
  std::shared_ptr<const BucketAccess> access;
};

boost::asio::awaitable<s3::Result<BucketFacts>> bucket_facts(Services& svc, const std::string& bucket) {
  co_return co_await run_blocking(svc.blocking, [&]() -> s3::Result<BucketFacts> {
    BucketFacts f;
    auto info = svc.objects.head_bucket(bucket);
    if (!info) {
      if (info.error().code == s3::Code::NoSuchBucket) return f;
      return info.error();
    }
    f.exists = true;
    f.owner = std::move(info->owner);
    auto access = svc.access->get(svc.objects, bucket, info->created_ms);
    if (!access) return access.error();
    f.access = std::move(*access);
    return f;
  });
}

// The recorded owner of a bucket ("" for the admin's); nullopt when there is no such bucket.
boost::asio::awaitable<s3::Result<std::optional<std::string>>> owner_of(Services& svc, const std::string& bucket) {
  co_return co_await run_blocking(svc.blocking, [&]() -> s3::Result<std::optional<std::string>> {
    auto info = svc.objects.head_bucket(bucket);
    if (!info) {
      if (info.error().code == s3::Code::NoSuchBucket) return std::optional<std::string>();
      return info.error();
    }
    return std::optional<std::string>(std::move(info->owner));
  });
}

// One expected-owner header against its bucket. A missing bucket is the operation's to
// report (NoSuchBucket), as for every other check here.
boost::asio::awaitable<s3::Status> expected_owner_holds(Services& svc, std::string_view expected,
                                                        const std::string& bucket) {
  auto owner = co_await owner_of(svc, bucket);
  if (!owner) co_return owner.error();
  if (*owner && !auth::owner_is(expected, **owner, svc.config.admin_user))
    co_return s3::Error(s3::Code::AccessDenied, "Access Denied");
  co_return s3::Status{};
}

// x-amz-expected-bucket-owner (every bucket and object operation) and, on copies,
// x-amz-source-expected-bucket-owner: checks the client asked for, so they hold for the
// admin too. CreateBucket and ListBuckets take no such header.
boost::asio::awaitable<s3::Status> expected_owners_hold(Services& svc, const S3Request& req,
                                                        std::string_view operation) {
  if (req.bucket.empty() || operation == "CreateBucket") co_return s3::Status{};
  if (req.has_header("x-amz-expected-bucket-owner")) {
    const std::string_view expected = req.header_value("x-amz-expected-bucket-owner");
    if (auto st = co_await expected_owner_holds(svc, expected, req.bucket); !st) co_return st;
  }
  if ((operation == "CopyObject" || operation == "UploadPartCopy") &&
      req.has_header("x-amz-source-expected-bucket-owner")) {
    // A malformed x-amz-copy-source is the operation's to report.
    auto src = parse_copy_source(req.header_value("x-amz-copy-source"));
    if (!src) co_return s3::Status{};
    const std::string_view expected = req.header_value("x-amz-source-expected-bucket-owner");
    if (auto st = co_await expected_owner_holds(svc, expected, src->bucket); !st) co_return st;
  }
  co_return s3::Status{};
}

// The operations that create an object with the canned ACL they carry.
bool sets_object_acl(std::string_view operation) {
  return operation == "PutObject" || operation == "CopyObject" || operation == "CreateMultipartUpload" ||
         operation == "PostObject";
}

// Condition keys as AWS defines them for this request (auth/policy.h lists the supported ones).
auth::PolicyFacts facts_of(const auth::Principal& who, const S3Request& req, std::string_view action) {
  auth::PolicyFacts f;
  f.set("aws:sourceip", req.source_ip);
  f.set("aws:securetransport", req.secure_transport ? "true" : "false");
  f.set("aws:principaltype", who.anonymous ? "Anonymous" : "User");
  if (!who.anonymous) {
    f.set("aws:username", std::string(who.user));
    f.set("aws:userid", std::string(who.user));
  }
  if (req.header) {
    if (auto ua = req.header_value("user-agent"); !ua.empty()) f.set("aws:useragent", std::string(ua));
    if (auto ref = req.header_value("referer"); !ref.empty()) f.set("aws:referer", std::string(ref));
  }
  if (action == "s3:ListBucket" || action == "s3:ListBucketVersions" || action == "s3:ListBucketMultipartUploads") {
    // A listing without a prefix lists from the top: s3:prefix is "" (AWS's examples
    // allow the root listing with StringEquals s3:prefix "").
    const std::string* p = req.query_value("prefix");
    f.set("s3:prefix", p ? *p : std::string());
    if (const std::string* d = req.query_value("delimiter")) f.set("s3:delimiter", *d);
    const std::string* m = req.query_value("max-keys");
    if (!m) m = req.query_value("max-uploads");
    if (m) f.set("s3:max-keys", *m);
  }
  if (const std::string* v = req.query_value("versionId")) f.set("s3:versionid", *v);
  return f;
}

// Decides one (action, resource) on an existing bucket; looks the object's ACL up only
// when nothing else admits the read.
boost::asio::awaitable<s3::Status> check(Services& svc, const auth::Principal& who, const S3Request& req,
                                         const BucketFacts& bucket, const std::string& bucket_name,
                                         std::string_view action, const std::string* key,
                                         const std::string& version_id) {
  const std::string arn = resource_arn(bucket_name, key);
  // Condition facts matter only to a policy: the common no-policy request builds none.
  auth::PolicyFacts facts;
  if (bucket.access->policy) facts = facts_of(who, req, action);
  auth::AccessRequest ar;
  ar.who = who;
  ar.owner = auth::owns(who, bucket.owner, svc.config.admin_user);
  ar.action = action;
  ar.resource = arn;
  ar.policy = bucket.access->policy.get();
  ar.facts = &facts;
  ar.bucket_acl = bucket.access->acl;
  auto d = auth::decide(ar);
  if (!d.needs_object_acl || !key) co_return d.status;
  auto info =
      co_await run_blocking(svc.blocking, [&] { return svc.objects.stat_object(bucket_name, *key, version_id); });
  // A missing object stays AccessDenied for a caller that may not read it (no existence leak).
  if (!info) co_return d.status;
  ar.object_acl = auth::canned_acl(info->meta.acl).value_or(auth::CannedAcl::Private);
  co_return auth::decide(ar).status;
}

}  // namespace

auth::Principal principal_of(const auth::Identity& id, const Services& svc) {
  if (id.access_key.empty()) return {{}, false, true};
  return {id.user, !id.user.empty() && id.user == svc.config.admin_user, false};
}

boost::asio::awaitable<s3::Status> authorize(Services& svc, const auth::Identity& id, const S3Request& req,
                                             const Endpoint& endpoint, std::optional<std::string_view> acl) {
  const std::string_view operation = endpoint.operation;
  if (auto st = co_await expected_owners_hold(svc, req, operation); !st) co_return st;
  const auth::Principal who = principal_of(id, svc);
  const auth::Action kind = action_of(operation);
  // The admin may do everything, so its requests skip every lookup.
  if (who.admin) co_return s3::Status{};
  if (kind == auth::Action::ListBuckets || req.bucket.empty())
    co_return auth::decide(who, auth::Action::ListBuckets, {}, svc.config.admin_user);

  auto facts = co_await bucket_facts(svc, req.bucket);
  if (!facts) co_return facts.error();
  if (kind == auth::Action::CreateBucket || !facts->exists) {
    auth::Owner owner;
    if (facts->exists) owner = std::string_view(facts->owner);
    co_return auth::decide(who, kind, owner, svc.config.admin_user);
  }
  if (operation == "DeleteObjects") {
    // Checked per key by the handler (authorize_keys). Without a policy nothing but
    // ownership can allow a delete, so others are refused before they send the body.
    if (facts->access->policy || auth::owns(who, facts->owner, svc.config.admin_user)) co_return s3::Status{};
    co_return s3::Error(s3::Code::AccessDenied, "Access Denied");
  }

  // A row without an S3 action never gets here (the endpoint table test): refuse, never allow.
  const std::string_view action = iam_action(endpoint, req);
  if (action.rfind("s3:", 0) != 0) co_return s3::Error(s3::Code::AccessDenied, "Access Denied");
  // Locals, not conditionals inside co_await: GCC 12 miscompiles those (see session.cpp).
  const std::string* version_arg = req.query_value("versionId");
  std::string version;
  if (version_arg) version = *version_arg;
  const std::string* key = nullptr;
  if (endpoint.iam.object) key = &req.key;
  if (auto st = co_await check(svc, who, req, *facts, req.bucket, action, key, version); !st) co_return st;

  // A grantee of s3:PutObject publishing what it writes also needs s3:PutObjectAcl (AWS's rule).
  std::string_view acl_value;
  if (sets_object_acl(operation)) acl_value = acl ? *acl : req.header_value("x-amz-acl");
  if (auth::acl_needs_permission(acl_value)) {
    const std::string no_version;
    if (auto st = co_await check(svc, who, req, *facts, req.bucket, "s3:PutObjectAcl", &req.key, no_version); !st)
      co_return st;
  }

  if (operation == "CopyObject" || operation == "UploadPartCopy") {
    // Reading the source is s3:GetObject on it. A malformed header is the operation's to report.
    auto src = parse_copy_source(req.header_value("x-amz-copy-source"));
    if (!src) co_return s3::Status{};
    auto src_facts = co_await bucket_facts(svc, src->bucket);
    if (!src_facts) co_return src_facts.error();
    if (!src_facts->exists) co_return s3::Status{};  // NoSuchBucket from the operation
    std::string_view src_action = "s3:GetObject";
    if (!src->version_id.empty()) src_action = "s3:GetObjectVersion";
    co_return co_await check(svc, who, req, *src_facts, src->bucket, src_action, &src->key, src->version_id);
  }
  co_return s3::Status{};
}

boost::asio::awaitable<s3::Result<std::vector<s3::Status>>> authorize_keys(
    Services& svc, const auth::Identity& id, const S3Request& req,
    const std::vector<std::pair<std::string, std::string>>& keys) {
  const auth::Principal who = principal_of(id, svc);
  std::vector<s3::Status> out(keys.size());
  if (who.admin) co_return out;
  auto facts = co_await bucket_facts(svc, req.bucket);
  if (!facts) co_return facts.error();
  if (!facts->exists) co_return out;  // NoSuchBucket from the operation
  for (size_t i = 0; i < keys.size(); ++i) {
    const auto& [key, version] = keys[i];
    std::string_view action = "s3:DeleteObject";
    if (!version.empty()) action = "s3:DeleteObjectVersion";
    out[i] = co_await check(svc, who, req, *facts, req.bucket, action, &key, version);
  }
  co_return out;
}

}  // namespace silt::server
