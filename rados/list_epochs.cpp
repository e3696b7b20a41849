#include "rados/list_epochs.h"

#include <charconv>
#include <cstdio>

namespace silt::rados {

namespace {

constexpr char kLegacyDelta = 'L';
constexpr char kEpochDelta = 'M';
constexpr size_t kEpochDigits = 16;

// An absent xattr is 0; a present one is the decimal digits of a number above 0.
std::optional<uint64_t> parse_epoch(const std::map<std::string, bufferlist>& attrs, const char* name) {
  auto it = attrs.find(name);
  if (it == attrs.end() || it->second.length() == 0) return uint64_t{0};
  const std::string s = it->second.to_str();
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v == 0) return std::nullopt;
  return v;
}

}  // namespace

std::string epoch_raw(uint64_t e) {
  return e == 0 ? std::string() : std::to_string(e);
}

std::optional<ListEpochs> parse_list_epochs(const std::map<std::string, bufferlist>& attrs) {
  auto current = parse_epoch(attrs, kListEpochXattr);
  auto folded = parse_epoch(attrs, kListFoldedXattr);
  if (!current || !folded || *folded > *current || *current - *folded > 1) return std::nullopt;
  return ListEpochs{*current, *folded};
}

s3::Error corrupt_epochs(std::string_view oid) {
  return s3::Error(s3::Code::InternalError, "rados: corrupt listing epochs in " + std::string(oid));
}

std::string delta_scope(uint64_t e) {
  if (e == 0) return std::string(1, kLegacyDelta);
  char buf[kEpochDigits + 2];
  std::snprintf(buf, sizeof buf, "%c%016llx", kEpochDelta, static_cast<unsigned long long>(e));
  return buf;
}

std::string delta_entry(uint64_t e, std::string_view key) {
  std::string name = delta_scope(e);
  name.append(key);
  return name;
}

std::optional<std::string_view> delta_key(std::string_view name) {
  if (!name.empty() && name[0] == kLegacyDelta) return name.substr(1);
  if (name.size() > kEpochDigits && name[0] == kEpochDelta) return name.substr(1 + kEpochDigits);
  return std::nullopt;
}

}  // namespace silt::rados
