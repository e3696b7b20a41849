// Percent-encoding as SigV4 and S3 listings need it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace silt {

// RFC 3986: leaves A-Za-z0-9-_.~ alone, and '/' too when keep_slash.
std::string uri_encode(std::string_view s, bool keep_slash);
// Decodes %XX; '+' stays '+' unless plus_is_space. Invalid escapes are kept as they are.
std::string uri_decode(std::string_view s, bool plus_is_space = false);

// Splits a raw query string ("a=1&b&c=x%20y") into (decoded name, decoded value) pairs in
// order; a parameter with no '=' gets an empty value. '+' decodes to a space, as browsers
// and SDKs send it.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view raw);

}  // namespace silt
