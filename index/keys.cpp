#include "index/keys.h"

namespace silt::keys {

std::string bucket(std::string_view name) {
  std::string k;
  k.reserve(1 + name.size());
  k.push_back(kBucket);
  k.append(name);
  return k;
}

std::string object_prefix(std::string_view b) {
  std::string k;
  k.reserve(2 + b.size());
  k.push_back(kObject);
  k.append(b);
  k.push_back('\0');
  return k;
}

std::string object(std::string_view b, std::string_view key) {
  std::string k = object_prefix(b);
  k.append(key);
  return k;
}

std::string prefix_successor(std::string_view s) {
  std::string out(s);
  while (!out.empty()) {
    unsigned char c = static_cast<unsigned char>(out.back());
    if (c != 0xff) {
      out.back() = static_cast<char>(c + 1);
      return out;
    }
    out.pop_back();
  }
  return out;
}

}  // namespace silt::keys
