#include "crypto/key_set.h"

#include <cctype>

#include "crypto/aes_gcm.h"
#include "util/hash.h"

namespace silt::crypto {

namespace {
bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '/' || c == '.')) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}
}  // namespace

s3::Result<KeySet> KeySet::parse(std::string_view text) {
  KeySet out;
  size_t n = 0;
  while (!text.empty()) {
    size_t end = text.find_first_of("\n,");
    std::string_view entry = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++n;
    if (entry.empty() || entry.front() == '#') continue;
    const size_t colon = entry.find(':');
    auto bad = [&](std::string_view why) {
      return s3::Error(s3::Code::InvalidArgument, "key entry " + std::to_string(n) + ": " + std::string(why));
    };
    if (colon == std::string_view::npos) return bad("expected ID:BASE64");
    std::string_view id = entry.substr(0, colon);
    std::string key;
    if (!valid_id(id)) return bad("the id must be 1-64 of A-Z a-z 0-9 - _ / .");
    if (!base64_decode(trim(entry.substr(colon + 1)), key) || key.size() != kKeyBytes)
      return bad("the key must be the base64 of 32 bytes (openssl rand -base64 32)");
    if (out.find(id)) return bad("repeats an id");
    out.keys_.push_back({std::string(id), std::move(key)});
  }
  return out;
}

const NamedKey* KeySet::find(std::string_view id) const {
  for (const auto& k : keys_)
    if (k.id == id) return &k;
  return nullptr;
}

}  // namespace silt::crypto
