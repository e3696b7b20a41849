// PutBucketLifecycleConfiguration bodies: what parses must come back from the
// document silt stores (to_xml) unchanged, and deciding on it must not crash.
#include <cstdlib>

#include "fuzz_input.h"
#include "lifecycle/evaluate.h"
#include "lifecycle/rules.h"

using namespace silt;

namespace {
bool known_class(std::string_view c) {
  return c == "STANDARD" || c == "STANDARD_IA" || c == "GLACIER_IR";
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto c = lifecycle::parse_configuration(fuzz::as_view(data, size), known_class);
  if (!c) {
    const s3::Code code = c.error().code;
    if (code != s3::Code::MalformedXML && code != s3::Code::InvalidArgument && code != s3::Code::InvalidRequest &&
        code != s3::Code::InvalidStorageClass)
      std::abort();
    return 0;
  }
  const std::string stored = lifecycle::to_xml(*c);
  auto again = lifecycle::parse_configuration(stored, known_class);
  if (!again || lifecycle::to_xml(*again) != stored) std::abort();  // the stored form must read back the same
  lifecycle::ObjectState s;
  s.key = "logs/2024/a.json";
  s.size = 1234;
  s.mtime_ms = 1700000000000;
  for (bool latest : {true, false}) {
    s.is_latest = latest;
    s.noncurrent_since_ms = latest ? 0 : 1700000500000;
    (void)lifecycle::evaluate(*c, s, 1800000000000, lifecycle::kRealDayMs);
    (void)lifecycle::evaluate(*c, s, 1700000001000, 1000);
  }
  (void)lifecycle::expiration_of(*c, s, lifecycle::kRealDayMs);
  (void)lifecycle::abort_due(*c, "k", 1700000000000, 1800000000000, lifecycle::kRealDayMs);
  return 0;
}
