// Object Lock's documents and headers (docs/object-lock.md), parsed and written apart
// from their handlers (server/s3/handlers/object_lock.cpp) so unit tests reach them
// without a server. Pure functions: the caller passes the time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/object_model.h"
#include "server/s3/s3_request.h"

namespace silt::server {

// The bucket config document holding a bucket's Object Lock configuration; a bucket has
// Object Lock exactly when it has this document.
inline constexpr std::string_view kObjectLockConfig = "object-lock";

// A bucket's default retention: mode plus a period in days or years (exactly one > 0).
struct DefaultRetention {
  std::string mode;  // "GOVERNANCE" or "COMPLIANCE"
  int days = 0;
  int years = 0;
};
struct ObjectLockConfiguration {
  std::optional<DefaultRetention> retention;  // none: new versions get no retention
};

// <ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled>
// [<Rule><DefaultRetention><Mode/>(<Days/>|<Years/>)</DefaultRetention></Rule>]. MalformedXML
// for another shape, a mode other than the two, both or neither of Days and Years;
// InvalidArgument for a period that is not a positive integer (at most 100 years).
s3::Result<ObjectLockConfiguration> parse_object_lock_configuration(std::string_view xml);
// The canonical document, stored as the bucket's config and answered by Get.
std::string object_lock_configuration_xml(const ObjectLockConfiguration& c);

// <Retention><Mode/><RetainUntilDate/></Retention>, both or neither (neither removes the
// retention: mode ""). MalformedXML; InvalidArgument for a date that is not ISO 8601 or
// not after now_ms ("The retain until date must be in the future!").
s3::Result<ObjectLock> parse_retention(std::string_view xml, int64_t now_ms);
std::string retention_xml(const ObjectLock& lock);
// <LegalHold><Status>ON|OFF</Status></LegalHold>. MalformedXML.
s3::Result<bool> parse_legal_hold(std::string_view xml);
std::string legal_hold_xml(bool on);

// The lock a new version asks for in x-amz-object-lock-mode, -retain-until-date and
// -legal-hold (PutObject, CopyObject, CreateMultipartUpload); nullopt when it sends none.
// InvalidArgument for a mode or date that does not parse, one without the other, a date
// not after now_ms, a legal hold other than ON/OFF.
s3::Result<std::optional<ObjectLock>> lock_from_headers(const S3Request& req, int64_t now_ms);
// The retention the bucket's default gives a version created at now_ms.
ObjectLock default_lock(const DefaultRetention& d, int64_t now_ms);

// x-amz-bypass-governance-retention: true.
bool asks_bypass_governance(const S3Request& req);

}  // namespace silt::server
