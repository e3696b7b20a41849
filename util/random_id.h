// Random identifiers: data directories, drives and drive sets (erasure/), the random tails
// of version ids and upload ids (index/). Drawn from the kernel's CSPRNG, so ids are
// unguessable and two processes never agree on one by chance.
#pragma once

#include <cstddef>
#include <string>

namespace silt {

// n random lowercase hex characters (4 random bits each).
std::string random_hex(size_t n);

// 128 random bits as 32 lowercase hex characters.
inline std::string random_hex_id() {
  return random_hex(32);
}

}  // namespace silt
