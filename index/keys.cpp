#include "index/keys.h"

#include <algorithm>
#include <cstdio>

#include "util/parse.h"
#include "util/random_id.h"

namespace silt::keys {
namespace {

std::string hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return std::string(buf, 16);
}

bool all_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

std::string bucket(std::string_view name) {
  std::string k;
  k.reserve(1 + name.size());
  k.push_back(kBucket);
  k.append(name);
  return k;
}

std::string bucket_scope(char kind, std::string_view b) {
  std::string k;
  k.reserve(2 + b.size());
  k.push_back(kind);
  k.append(b);
  k.push_back('\0');
  return k;
}

std::string object_prefix(std::string_view b) {
  return bucket_scope(kObject, b);
}

std::string object(std::string_view b, std::string_view key) {
  std::string k = object_prefix(b);
  k.append(key);
  return k;
}

std::string escape_key(std::string_view key) {
  std::string out;
  out.reserve(key.size() + 2);
  for (char c : key) {
    out.push_back(c);
    if (c == '\0') out.push_back('\xff');
  }
  return out;
}

std::string unescape_key(std::string_view ekey) {
  std::string out;
  out.reserve(ekey.size());
  for (size_t i = 0; i < ekey.size(); ++i) {
    out.push_back(ekey[i]);
    if (ekey[i] == '\0') ++i;  // skip the 0xff
  }
  return out;
}

namespace {

// "<kind><bucket>\0<ekey>\0\1<tail>": the per-key kinds (V, U, H).
std::string per_key(char kind, std::string_view b, std::string_view key, std::string_view tail = {}) {
  std::string k = bucket_scope(kind, b);
  k.append(escape_key(key));
  k.append(kKeyEnd);
  k.append(tail);
  return k;
}

}  // namespace

std::string versions_of(std::string_view b, std::string_view key) {
  return per_key(kVersion, b, key);
}

std::string version(std::string_view b, std::string_view key, std::string_view vkey) {
  return per_key(kVersion, b, key, vkey);
}

std::string upload(std::string_view b, std::string_view key, std::string_view upload_id) {
  return per_key(kUpload, b, key, upload_id);
}

std::string heal(std::string_view b, std::string_view key, std::string_view version_id) {
  return per_key(kHeal, b, key, version_id);
}

std::string parts_of(std::string_view upload_id) {
  std::string k(1, kPart);
  k.append(upload_id);
  return k;
}

std::string part(std::string_view upload_id, int number) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%05d", number);
  return parts_of(upload_id) + buf;
}

std::string config(std::string_view b, std::string_view name) {
  std::string k = bucket_scope(kConfig, b);
  k.append(name);
  return k;
}

std::string make_version_key(uint64_t time_us, bool null_version) {
  std::string tail = null_version ? std::string(16, '0') : random_hex(16);
  return hex16(~time_us) + tail;
}

uint64_t version_key_time(std::string_view vkey) {
  if (vkey.size() != kVersionKeyLen || !all_hex(vkey.substr(0, 16))) return 0;
  return ~parse_u64(vkey.substr(0, 16), 16).value_or(~uint64_t{0});
}

std::string version_key_after(std::string_view newest, uint64_t now_us, bool null_version) {
  const uint64_t t = newest.empty() ? 0 : version_key_time(newest);
  return make_version_key(std::max(now_us, t + 1), null_version);
}

bool is_null_version_key(std::string_view vkey) {
  return vkey.size() == kVersionKeyLen && vkey.substr(16) == std::string_view("0000000000000000");
}

bool is_version_id(std::string_view s) {
  return s.size() == kVersionKeyLen && all_hex(s);
}

std::string make_upload_id(uint64_t time_us) {
  return hex16(time_us) + random_hex(32);
}

bool is_upload_id(std::string_view s) {
  return s.size() == kUploadIdLen && all_hex(s);
}

bool split_tail(std::string_view rest, size_t tail_len, std::string& key, std::string_view& tail) {
  const size_t end = kKeyEnd.size();
  if (rest.size() < tail_len + end || rest.substr(rest.size() - tail_len - end, end) != kKeyEnd) return false;
  key = unescape_key(rest.substr(0, rest.size() - tail_len - end));
  tail = rest.substr(rest.size() - tail_len);
  return true;
}

std::string common_prefix(std::string_view key, std::string_view prefix, std::string_view delimiter) {
  if (delimiter.empty()) return {};
  size_t pos = key.find(delimiter, prefix.size());
  if (pos == std::string_view::npos) return {};
  return std::string(key.substr(0, pos + delimiter.size()));
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
