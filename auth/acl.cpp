#include "auth/acl.h"

namespace silt::auth {

std::optional<CannedAcl> canned_acl(std::string_view v) {
  if (v == "private" || v == "bucket-owner-read" || v == "bucket-owner-full-control" || v == "aws-exec-read" ||
      v == "log-delivery-write")
    return CannedAcl::Private;
  if (v == "public-read" || v == "public-read-write") return CannedAcl::PublicRead;
  if (v == "authenticated-read") return CannedAcl::AuthenticatedRead;
  return std::nullopt;
}

std::string_view acl_name(CannedAcl acl) {
  switch (acl) {
    case CannedAcl::PublicRead: return "public-read";
    case CannedAcl::AuthenticatedRead: return "authenticated-read";
    case CannedAcl::Private: break;
  }
  return "private";
}

}  // namespace silt::auth
