// Random identifiers for data directories, drives and drive sets.
#pragma once

#include <string>

namespace silt {

// 128 random bits as 32 lowercase hex characters.
std::string random_hex_id();

}  // namespace silt
