// The PutBucketCors body, then the rules it yields matched against a request
// (origin, method, requested headers on the first three lines of the input's tail).
// Input: the CORSConfiguration XML, then "\n--\n", then origin / method / headers lines.
#include <cstdlib>

#include "fuzz_input.h"
#include "server/s3/cors.h"

using namespace silt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::as_view(data, size);
  size_t sep = in.find("\n--\n");
  auto rules = server::parse_cors(in.substr(0, sep));
  if (!rules) {
    auto c = rules.error().code;
    if (c != s3::Code::MalformedXML && c != s3::Code::InvalidRequest) std::abort();
    return 0;
  }
  if (sep == std::string_view::npos) return 0;
  auto ls = fuzz::lines(in.substr(sep + 4));
  ls.resize(3);
  for (bool preflight : {true, false}) {
    std::string_view requested = preflight ? ls[2] : std::string_view{};
    if (const auto* rule = server::match_cors(*rules, ls[0], ls[1], requested))
      (void)server::cors_headers(*rule, ls[0], preflight, requested);
  }
  return 0;
}
