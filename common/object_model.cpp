#include "common/object_model.h"

#include <cctype>

namespace silt {

bool valid_bucket_name(std::string_view n) {
  if (n.size() < 3 || n.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(n.front()) || !alnum(n.back())) return false;
  bool all_digits_and_dots = true;
  for (size_t i = 0; i < n.size(); i++) {
    char c = n[i];
    if (!alnum(c) && c != '.' && c != '-') return false;
    if (c == '.' && (n[i - 1] == '.' || n[i - 1] == '-' || n[i + 1] == '-')) return false;
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.')) all_digits_and_dots = false;
  }
  return !all_digits_and_dots;  // "192.168.5.4" looks like an IP address
}

bool valid_region_name(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

bool is_reserved_bucket_name(std::string_view name) {
  return name == "minio";
}

}  // namespace silt
