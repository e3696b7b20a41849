#include "server/s3/access_check.h"

#include <memory>
#include <optional>
#include <string>

#include "object/cached_read.h"
#include "server/http/blocking.h"
#include "server/s3/bucket_access.h"
#include "server/s3/handlers/acl_headers.h"
#include "server/s3/handlers/copy_source.h"
#include "server/s3/router.h"
#include "server/s3/user_names.h"

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

// On the session thread first, as GET's lookup (object/cached_read.h): the bucket record is
// an index read and its policy and ACL are usually in svc.access already, so most requests
// are decided without a blocking-pool hand-off (two thread switches, the largest cost left
// in a 4 KiB GET). A backend that would wait (rados) refuses inside the scope, and the
// facts are then read on the pool. Nothing is cached here: every request reads the bucket
// record and svc.access as they are now, so a policy change applies to the next request.
boost::asio::awaitable<s3::Result<BucketFacts>> bucket_facts(Services& svc, const std::string& bucket) {
  auto read = [&]() -> s3::Result<BucketFacts> {
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
  };
  {
    cached_read::Scope scope;  // no co_await inside: the scope belongs to this thread
    auto f = read();
    if (!scope.would_block()) co_return f;
  }
  co_return co_await run_blocking(svc.blocking, read);
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
  // The owner as ListBuckets shows it (its canonical id) or by its user name.
  if (*owner && !auth::owner_is(expected, **owner, svc.config.admin_user) &&
      expected != names_of(svc, **owner).canonical_id)
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

// The operations that create an object with the tags of their x-amz-tagging header.
bool sets_object_tags(std::string_view operation) {
  return operation == "PutObject" || operation == "CopyObject" || operation == "CreateMultipartUpload";
}

// The headers whose values are condition keys of the same name ("s3:x-amz-acl").
constexpr std::string_view kHeaderKeys[] = {"x-amz-acl",
                                            "x-amz-server-side-encryption",
                                            "x-amz-grant-read",
                                            "x-amz-grant-write",
                                            "x-amz-grant-read-acp",
                                            "x-amz-grant-write-acp",
                                            "x-amz-grant-full-control"};

// s3:RequestObjectTag/<k> (one per tag) and s3:RequestObjectTagKeys (one value per tag).
void add_request_tags(auth::PolicyFacts& f, const Tags& tags) {
  for (const auto& [k, v] : tags) {
    f.set("s3:requestobjecttag/" + k, v);
    f.set("s3:requestobjecttagkeys", k);
  }
}

// Condition keys as AWS defines them for this request (auth/policy.h lists the supported ones).
// request_tags: the tags the request sets when they are not its x-amz-tagging header
// (PutObjectTagging's body).
auth::PolicyFacts facts_of(const auth::Principal& who, const S3Request& req, std::string_view operation,
                           std::string_view action, const Tags* request_tags) {
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
  if (req.header)
    for (auto h : kHeaderKeys)
      if (req.has_header(h)) f.set("s3:" + std::string(h), std::string(req.header_value(h)));
  if (request_tags) {
    add_request_tags(f, *request_tags);
  } else if (sets_object_tags(operation) && req.header && req.has_header("x-amz-tagging")) {
    // A malformed header is the operation's to refuse (InvalidTag); it sets no tags.
    if (auto tags = tags_from_header(req.header_value("x-amz-tagging"))) add_request_tags(f, *tags);
  }
  return f;
}

// s3:ExistingObjectTag/<k>: the tags of the version the request names (the current one
// when it names none). A missing object has none.
void add_existing_tags(auth::PolicyFacts& f, Services& svc, const std::string& bucket, const std::string& key,
                       const std::string& version_id) {
  auto info = svc.objects.stat_object(bucket, key, version_id);
  if (!info) return;
  for (const auto& [k, v] : info->meta.tags) f.set("s3:existingobjecttag/" + k, v);
}

// What the bucket's Block Public Access and Object Ownership say of setting acl.
s3::Status acl_settable(const BucketAccess& access, const AclWrite& acl) {
  if (!acl.canned.empty())
    if (auto st = auth::acl_write_allowed(acl.canned, access.block, access.ownership); !st) return st;
  if (acl.grants) return auth::acl_write_allowed(*acl.grants, acl.owner_only, access.block, access.ownership);
  return {};
}

// Decides one (action, resource) on an existing bucket; looks the object's ACL up only
// when nothing else admits an object action its ACL could.
boost::asio::awaitable<s3::Status> check(Services& svc, const auth::Principal& who, const S3Request& req,
                                         std::string_view operation, const BucketFacts& bucket,
                                         const std::string& bucket_name, std::string_view action,
                                         const std::string* key, const std::string& version_id,
                                         const Tags* request_tags = nullptr) {
  const std::string arn = resource_arn(bucket_name, key);
  // Condition facts matter only to a policy: the common no-policy request builds none.
  auth::PolicyFacts facts;
  const auth::Policy* policy = bucket.access->policy.get();
  if (policy) facts = facts_of(who, req, operation, action, request_tags);
  // The object's tags cost a lookup: only for a policy that reads them.
  if (policy && policy->uses_existing_object_tags && key)
    co_await run_blocking(svc.blocking, [&] { add_existing_tags(facts, svc, bucket_name, *key, version_id); });
  auth::AccessRequest ar;
  ar.who = who;
  ar.owner = auth::owns(who, bucket.owner, svc.config.admin_user);
  ar.action = action;
  ar.resource = arn;
  ar.policy = bucket.access->policy.get();
  ar.facts = &facts;
  ar.bucket_acl = &bucket.access->acl;
  ar.acls_disabled = bucket.access->acls_disabled();
  ar.ignore_public_acls = bucket.access->block.ignore_public_acls;
  ar.restrict_public = bucket.access->block.restrict_public_buckets;
  auto d = auth::decide(ar);
  if (!d.needs_object_acl || !key) co_return d.status;
  auto info =
      co_await run_blocking(svc.blocking, [&] { return svc.objects.stat_object(bucket_name, *key, version_id); });
  // A missing object stays AccessDenied for a caller that may not read it (no existence leak).
  if (!info) co_return d.status;
  const auth::Grants object_acl = auth::decode_acl(info->meta.acl, "");
  ar.object_acl = &object_acl;
  co_return auth::decide(ar).status;
}

}  // namespace

auth::Principal principal_of(const auth::Identity& id, const Services& svc) {
  if (id.access_key.empty()) return {{}, false, true, {}};
  return {id.user, !id.user.empty() && id.user == svc.config.admin_user, false, names_of(svc, id.user).canonical_id};
}

boost::asio::awaitable<s3::Status> authorize(Services& svc, const auth::Identity& id, const S3Request& req,
                                             const Endpoint& endpoint, std::optional<std::string_view> acl) {
  const std::string_view operation = endpoint.operation;
  if (auto st = co_await expected_owners_hold(svc, req, operation); !st) co_return st;
  // The bucket's Block Public Access and Object Ownership bind everyone, the admin too,
  // once the caller is otherwise admitted (so they tell a stranger nothing).
  AclWrite acl_write;
  auth::Grants grants;
  if (sets_object_acl(operation) || operation == "CreateBucket" || operation == "PutBucketAcl" ||
      operation == "PutObjectAcl") {
    acl_write.canned = acl ? *acl : req.header_value("x-amz-acl");
    // A malformed grant header is the operation's to refuse (acl_from_request()).
    if (auto g = grants_from_request(req); g && !g->empty()) {
      grants = std::move(*g);
      acl_write.grants = &grants;
    }
  }
  const auth::Principal who = principal_of(id, svc);
  const auth::Action kind = action_of(operation);
  // The admin may do everything, so its requests skip every lookup but that one.
  if (who.admin) {
    if (acl_write.grants)
      if (auto st = grantees_known(svc, grants); !st) co_return st;
    if (acl_write.canned.empty() && !acl_write.grants) co_return s3::Status{};
    co_return co_await acl_write_allowed(svc, req.bucket, acl_write);
  }
  if (kind == auth::Action::ListBuckets || req.bucket.empty())
    co_return auth::decide(who, auth::Action::ListBuckets, {}, svc.config.admin_user);

  auto facts = co_await bucket_facts(svc, req.bucket);
  if (!facts) co_return facts.error();
  if (kind == auth::Action::CreateBucket || !facts->exists) {
    auth::Owner owner;
    if (facts->exists) owner = std::string_view(facts->owner);
    auto st = auth::decide(who, kind, owner, svc.config.admin_user);
    if (st && acl_write.grants) st = grantees_known(svc, grants);
    co_return st;
  }
  if (operation == "DeleteObjects") {
    // Checked per key by the handler (authorize_keys). Without a policy or a bucket grant
    // nothing but ownership can allow a delete, so others are refused before they send the body.
    const bool bucket_grants = !facts->access->acl.empty() && !facts->access->acls_disabled();
    if (facts->access->policy || bucket_grants || auth::owns(who, facts->owner, svc.config.admin_user))
      co_return s3::Status{};
    co_return s3::Error(s3::Code::AccessDenied, "Access Denied");
  }

  // The tags PutObjectTagging sets are in its body: with a policy that reads them, the
  // handler decides once it has read them (authorize_request_tags).
  if (operation == "PutObjectTagging" && facts->access->policy && facts->access->policy->uses_request_object_tags)
    co_return s3::Status{};

  // A row without an S3 action never gets here (the endpoint table test): refuse, never allow.
  const std::string_view action = iam_action(endpoint, req);
  if (action.rfind("s3:", 0) != 0) co_return s3::Error(s3::Code::AccessDenied, "Access Denied");
  // Locals, not conditionals inside co_await: GCC 12 miscompiles those (see session.cpp).
  const std::string* version_arg = req.query_value("versionId");
  std::string version;
  if (version_arg) version = *version_arg;
  const std::string* key = nullptr;
  if (endpoint.iam.object) key = &req.key;
  if (auto st = co_await check(svc, who, req, operation, *facts, req.bucket, action, key, version); !st) co_return st;
  if (auto st = acl_settable(*facts->access, acl_write); !st) co_return st;
  if (acl_write.grants)
    if (auto st = grantees_known(svc, grants); !st) co_return st;

  // A grantee of s3:PutObject publishing what it writes also needs s3:PutObjectAcl (AWS's rule).
  if (sets_object_acl(operation) && (acl_write.grants || auth::acl_needs_permission(acl_write.canned))) {
    const std::string no_version;
    if (auto st = co_await check(svc, who, req, operation, *facts, req.bucket, "s3:PutObjectAcl", &req.key, no_version);
        !st)
      co_return st;
  }

  // A version written with a lock also needs the permission that would set it afterwards
  // (AWS's rule): s3:PutObjectRetention for a retention, s3:PutObjectLegalHold for a hold.
  if (sets_object_acl(operation)) {
    const std::string no_version;
    const bool retention =
        req.has_header("x-amz-object-lock-mode") || req.has_header("x-amz-object-lock-retain-until-date");
    if (retention)
      if (auto st = co_await check(svc, who, req, operation, *facts, req.bucket, "s3:PutObjectRetention", &req.key,
                                   no_version);
          !st)
        co_return st;
    if (req.has_header("x-amz-object-lock-legal-hold"))
      if (auto st = co_await check(svc, who, req, operation, *facts, req.bucket, "s3:PutObjectLegalHold", &req.key,
                                   no_version);
          !st)
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
    co_return co_await check(svc, who, req, operation, *src_facts, src->bucket, src_action, &src->key, src->version_id);
  }
  co_return s3::Status{};
}

boost::asio::awaitable<s3::Status> authorize_request_tags(Services& svc, const auth::Identity& id, const S3Request& req,
                                                          const Endpoint& endpoint, const Tags& tags) {
  const auth::Principal who = principal_of(id, svc);
  if (who.admin) co_return s3::Status{};
  auto facts = co_await bucket_facts(svc, req.bucket);
  if (!facts) co_return facts.error();
  if (!facts->exists) co_return s3::Status{};  // NoSuchBucket from the operation
  // Without such a policy authorize() has decided already.
  const auth::Policy* policy = facts->access->policy.get();
  if (!policy || !policy->uses_request_object_tags) co_return s3::Status{};
  const std::string_view action = iam_action(endpoint, req);
  const std::string* version_arg = req.query_value("versionId");
  std::string version;
  if (version_arg) version = *version_arg;
  co_return co_await check(svc, who, req, endpoint.operation, *facts, req.bucket, action, &req.key, version, &tags);
}

boost::asio::awaitable<s3::Status> acl_write_allowed(Services& svc, const std::string& bucket, const AclWrite& acl) {
  auto facts = co_await bucket_facts(svc, bucket);
  if (!facts) co_return facts.error();
  if (!facts->exists) co_return s3::Status{};  // NoSuchBucket from the operation
  co_return acl_settable(*facts->access, acl);
}

s3::Status grantees_known(const Services& svc, const auth::Grants& grants) {
  for (const auto& g : grants)
    if (!g.group && !display_name_of_id(svc, g.grantee)) return s3::Error(s3::Code::InvalidArgument, "Invalid id");
  return {};
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
    out[i] = co_await check(svc, who, req, "DeleteObjects", *facts, req.bucket, action, &key, version);
  }
  co_return out;
}

boost::asio::awaitable<s3::Status> may_bypass_governance(Services& svc, const auth::Identity& id,
                                                         const S3Request& req) {
  co_return co_await may_act_on_object(svc, id, req, "BypassGovernanceRetention", "s3:BypassGovernanceRetention");
}

boost::asio::awaitable<s3::Status> may_act_on_object(Services& svc, const auth::Identity& id, const S3Request& req,
                                                     std::string_view operation, std::string_view action) {
  const auth::Principal who = principal_of(id, svc);
  if (who.admin) co_return s3::Status{};
  auto facts = co_await bucket_facts(svc, req.bucket);
  if (!facts) co_return facts.error();
  if (!facts->exists) co_return s3::Error(s3::Code::AccessDenied, "Access Denied");
  const std::string* version_arg = req.query_value("versionId");
  std::string version;
  if (version_arg) version = *version_arg;
  co_return co_await check(svc, who, req, operation, *facts, req.bucket, action, &req.key, version);
}

boost::asio::awaitable<s3::Status> may_learn_absence(Services& svc, const auth::Identity& id, const S3Request& req) {
  const auth::Principal who = principal_of(id, svc);
  if (who.admin) co_return s3::Status{};
  auto facts = co_await bucket_facts(svc, req.bucket);
  if (!facts) co_return facts.error();
  if (!facts->exists) co_return s3::Status{};
  const std::string no_version;
  co_return co_await check(svc, who, req, "ListObjectsV2", *facts, req.bucket, "s3:ListBucket", nullptr, no_version);
}

}  // namespace silt::server
