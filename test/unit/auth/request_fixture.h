// Owns the strings of a request so tests can build, tweak and re-check RequestViews.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "auth/sigv4.h"

namespace silt::auth::test {

struct OwnedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;

  RequestView view() const {
    RequestView v;
    v.method = method;
    v.target = target;
    for (const auto& [name, value] : headers) v.headers.emplace_back(name, value);
    return v;
  }

  // First header with this name (any case); nullptr when absent.
  std::string* header(std::string_view name) {
    for (auto& [n, v] : headers) {
      if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
          })) {
        return &v;
      }
    }
    return nullptr;
  }
};

}  // namespace silt::auth::test
