// The small XML documents of PutPublicAccessBlock, PutBucketOwnershipControls,
// PutObjectLockConfiguration, PutObjectRetention and PutObjectLegalHold. The first input
// byte picks the parser, the rest is the body. Beyond "no crash", each accepted document
// must survive its own canonical form: what Get answers must parse back to the same value,
// since silt stores and serves exactly that form.
#include <cstdlib>

#include "fuzz_input.h"
#include "server/s3/bucket_settings.h"
#include "server/s3/object_lock.h"

using namespace silt;

namespace {

constexpr int64_t kNowMs = 1704067200000;  // 2024-01-01, fixed so runs repeat

void require(bool ok) {
  if (!ok) std::abort();
}

// Refusals of these documents are MalformedXML or InvalidArgument, never anything else.
template <class T>
void require_known_refusal(const s3::Result<T>& r) {
  if (!r) require(r.error().code == s3::Code::MalformedXML || r.error().code == s3::Code::InvalidArgument);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view body = fuzz::as_view(data + 1, size - 1);
  switch (data[0] % 5) {
    case 0: {
      auto b = server::parse_public_access_block(body);
      require_known_refusal(b);
      if (b) {
        auto again = server::parse_public_access_block(server::public_access_block_xml(*b));
        require(again && again->block_public_acls == b->block_public_acls &&
                again->ignore_public_acls == b->ignore_public_acls &&
                again->block_public_policy == b->block_public_policy &&
                again->restrict_public_buckets == b->restrict_public_buckets);
      }
      break;
    }
    case 1: {
      auto o = server::parse_ownership_controls(body);
      require_known_refusal(o);
      if (o) {
        auto again = server::parse_ownership_controls(server::ownership_controls_xml(*o));
        require(again && *again == *o);
      }
      break;
    }
    case 2: {
      auto c = server::parse_object_lock_configuration(body);
      require_known_refusal(c);
      if (c) {
        if (c->retention) require((c->retention->days > 0) != (c->retention->years > 0));
        auto again = server::parse_object_lock_configuration(server::object_lock_configuration_xml(*c));
        require(again && again->retention.has_value() == c->retention.has_value());
        if (c->retention)
          require(again->retention->mode == c->retention->mode && again->retention->days == c->retention->days &&
                  again->retention->years == c->retention->years);
      }
      break;
    }
    case 3: {
      auto r = server::parse_retention(body, kNowMs);
      require_known_refusal(r);
      if (r && !r->mode.empty()) {
        require(r->retain_until_ms > kNowMs);
        auto again = server::parse_retention(server::retention_xml(*r), kNowMs);
        require(again && again->mode == r->mode);
      }
      break;
    }
    default: {
      auto h = server::parse_legal_hold(body);
      require_known_refusal(h);
      if (h) {
        auto again = server::parse_legal_hold(server::legal_hold_xml(*h));
        require(again && *again == *h);
      }
      break;
    }
  }
  return 0;
}
