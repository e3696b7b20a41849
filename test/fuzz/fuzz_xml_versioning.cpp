// The PutBucketVersioning request body.
#include <cstdlib>

#include "fuzz_input.h"
#include "server/s3/handlers/request_xml.h"

using namespace silt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto v = server::parse_versioning(fuzz::as_view(data, size));
  if (v && *v == Versioning::Unversioned) std::abort();  // a bucket never goes back to unversioned
  if (!v && v.error().code != s3::Code::MalformedXML && v.error().code != s3::Code::NotImplemented) std::abort();
  return 0;
}
