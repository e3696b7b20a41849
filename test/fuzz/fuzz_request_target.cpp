// Request addressing: the request-target split into bucket, key and query
// (path-style and virtual-host), the object-key rules, and bucket-name validation.
// Input: fuzz_input.h layout; line 1 is the target, line 2 the Host header.
#include <boost/beast/http.hpp>
#include <cstdlib>

#include "common/object_model.h"
#include "fuzz_input.h"
#include "server/s3/s3_request.h"
#include "util/utf8.h"

using namespace silt;
namespace http = boost::beast::http;

namespace {
bool bucket_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::as_view(data, size);
  auto ls = fuzz::lines(in);
  if (ls.empty()) return 0;

  // Every input is also a candidate bucket name; a valid one must obey the rules itself.
  if (silt::valid_bucket_name(in)) {
    if (in.size() < 3 || in.size() > 63) std::abort();
    for (char c : in)
      if (!bucket_char(c)) std::abort();
    if (in.find("..") != std::string_view::npos) std::abort();
  }

  http::request_header<> h;
  h.method(http::verb::get);
  h.target(ls[0]);
  if (ls.size() > 1) h.set(http::field::host, ls[1]);
  for (std::string_view domain : {std::string_view{}, std::string_view{"s3.local"}}) {
    auto r = server::parse_s3_request(h, domain);
    if (!r) continue;
    if (r->has_key && r->key.size() > 1024) std::abort();
    if (!valid_utf8(r->key) || !valid_utf8(r->bucket)) std::abort();
    if (!r->has_key && !r->key.empty()) std::abort();
    if (r->raw_path + (r->raw_query.empty() && r->target.find('?') == std::string::npos ? "" : "?") + r->raw_query !=
        r->target)
      std::abort();
    (void)silt::valid_bucket_name(r->bucket);
    (void)r->resource();
  }
  return 0;
}
