#include "util/random_id.h"

#include <cstdint>
#include <random>

namespace silt {

std::string random_hex(size_t n) {
  // std::random_device reads the kernel CSPRNG on Linux; one generator per
  // thread so concurrent writers never share (and never lock) state.
  thread_local std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    uint32_t v = rd();
    for (int j = 0; j < 8 && out.size() < n; ++j) out.push_back(kHex[(v >> (4 * j)) & 0xf]);
  }
  return out;
}

}  // namespace silt
