#include "server/access_check.h"

#include <optional>
#include <string>

#include "server/blocking.h"
#include "server/handlers/copy_source.h"

namespace silt::server {

namespace {

auth::Action action_of(std::string_view operation) {
  if (operation == "ListBuckets") return auth::Action::ListBuckets;
  if (operation == "CreateBucket") return auth::Action::CreateBucket;
  return auth::Action::Other;
}

// nullopt: no such bucket. Other failures of the lookup fail the request.
boost::asio::awaitable<s3::Result<std::optional<std::string>>> owner_of(Services& svc, const std::string& bucket) {
  auto info = co_await run_blocking(svc.blocking, [&] { return svc.objects.head_bucket(bucket); });
  if (!info) {
    if (info.error().code == s3::Code::NoSuchBucket) co_return std::optional<std::string>();
    co_return info.error();
  }
  co_return std::optional<std::string>(std::move(info->owner));
}

boost::asio::awaitable<s3::Status> check_bucket(Services& svc, const auth::Principal& who, auth::Action action,
                                                const std::string& bucket) {
  auto owner = co_await owner_of(svc, bucket);
  if (!owner) co_return owner.error();
  auth::Owner view;
  if (*owner) view = std::string_view(**owner);
  co_return auth::decide(who, action, view, svc.config.admin_user);
}

}  // namespace

auth::Principal principal_of(const auth::Identity& id, const Services& svc) {
  return {id.user, !id.user.empty() && id.user == svc.config.admin_user};
}

boost::asio::awaitable<s3::Status> authorize(Services& svc, const auth::Identity& id, const S3Request& req,
                                             std::string_view operation) {
  const auth::Principal who = principal_of(id, svc);
  const auth::Action action = action_of(operation);
  // The admin may do everything, so its requests skip the owner lookups.
  if (who.admin || action == auth::Action::ListBuckets || req.bucket.empty()) co_return s3::Status{};
  if (auto st = co_await check_bucket(svc, who, action, req.bucket); !st) co_return st;
  if (operation == "CopyObject" || operation == "UploadPartCopy") {
    // Reading the source is acting on its bucket. A malformed header is the operation's to report.
    if (auto src = parse_copy_source(req.header_value("x-amz-copy-source")))
      if (auto st = co_await check_bucket(svc, who, auth::Action::Other, src->bucket); !st) co_return st;
  }
  co_return s3::Status{};
}

}  // namespace silt::server
