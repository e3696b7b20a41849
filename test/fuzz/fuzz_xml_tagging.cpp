// Object tags: the Tagging XML body and the x-amz-tagging header. Tags that parse
// must survive a round trip through the XML silt writes back (GetObjectTagging),
// which lists them sorted by key.
// Input: the first line is tried as the header, the whole input as the XML body.
#include <algorithm>
#include <cstdlib>

#include "fuzz_input.h"
#include "server/s3/handlers/tags.h"

using namespace silt;

namespace {
void round_trip(const server::Tags& tags) {
  auto again = server::tags_from_xml(server::tags_to_xml(tags));
  server::Tags sorted = tags;
  std::sort(sorted.begin(), sorted.end());
  if (!again || *again != sorted) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::as_view(data, size);
  if (auto tags = server::tags_from_xml(in)) round_trip(*tags);
  if (auto tags = server::tags_from_header(in.substr(0, in.find('\n')))) round_trip(*tags);
  return 0;
}
