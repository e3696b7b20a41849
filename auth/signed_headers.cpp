// SignedHeaders parsing and the canonical headers it selects (signed_headers.h).
#include "auth/signed_headers.h"

#include <algorithm>

#include "util/strings.h"

namespace silt::auth {

namespace {

constexpr std::string_view kHost = "host";
constexpr size_t kMaxNotSignedEcho = 2 * 1024;

// RFC 9110 tchar without the upper-case letters: a header name as SigV4 signs it.
bool is_lower_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// SigV4 "Trimall": strip both ends and collapse inner whitespace runs to one space. The
// whitespace is kAsciiSpace, what Python's str.split() knows in ASCII; botocore's Trimall is
// built on it.
void append_trimmed_all(std::string& out, std::string_view s) {
  bool pending_space = false;
  bool started = false;
  for (char c : s) {
    if (is_ascii_space(c)) {
      pending_space = started;
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    started = true;
    out.push_back(c);
  }
}

bool is_amz_header(std::string_view lname) {
  return lname.substr(0, 6) == "x-amz-";
}

}  // namespace

s3::Result<std::vector<std::string_view>> parse_signed_headers(std::string_view list, size_t header_count,
                                                               s3::Code error_code) {
  if (list.empty()) return s3::Error(error_code, "the SignedHeaders list is empty.");
  if (list.size() > kMaxSignedHeadersBytes) {
    return s3::Error(error_code,
                     "the SignedHeaders list is longer than " + std::to_string(kMaxSignedHeadersBytes) + " bytes.");
  }
  std::vector<std::string_view> names;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = std::min(list.find(';', start), list.size());
    std::string_view name = list.substr(start, end - start);
    if (name.empty()) return s3::Error(error_code, "the SignedHeaders list has an empty header name.");
    if (!std::all_of(name.begin(), name.end(), is_lower_token_char)) {
      return s3::Error(error_code, "the SignedHeaders list must hold lowercase header names separated by ';'.");
    }
    if (!names.empty() && !(names.back() < name)) {
      return s3::Error(error_code, "the SignedHeaders list must be sorted and must not repeat a header name.");
    }
    if (names.size() == header_count) {
      return s3::Error(error_code, "the SignedHeaders list names more headers than the request carries.");
    }
    names.push_back(name);
    start = end + 1;
  }
  return names;
}

CoveredHeaders cover(const std::vector<std::pair<std::string_view, std::string_view>>& headers,
                     const std::vector<std::string_view>& names, std::string_view exempt) {
  // Values of each signed name in arrival order, found by binary search: no names x headers loop.
  std::vector<std::vector<std::string_view>> values(names.size());
  CoveredHeaders out;
  for (const auto& [name, value] : headers) {
    std::string lname = to_lower(name);
    auto it = std::lower_bound(names.begin(), names.end(), std::string_view(lname));
    if (it != names.end() && *it == lname) {
      values[static_cast<size_t>(it - names.begin())].push_back(value);
    } else if (is_amz_header(lname) && lname != exempt) {
      out.not_signed.push_back(std::move(lname));
    }
  }
  if (!std::binary_search(names.begin(), names.end(), kHost)) out.not_signed.emplace_back(kHost);
  std::sort(out.not_signed.begin(), out.not_signed.end());
  out.not_signed.erase(std::unique(out.not_signed.begin(), out.not_signed.end()), out.not_signed.end());

  for (size_t i = 0; i < names.size(); ++i) {
    out.canonical.append(names[i]).push_back(':');
    for (size_t j = 0; j < values[i].size(); ++j) {
      if (j) out.canonical.push_back(',');
      append_trimmed_all(out.canonical, values[i][j]);
    }
    out.canonical.push_back('\n');
  }
  return out;
}

s3::Error headers_not_signed(const std::vector<std::string>& names) {
  std::string list;
  for (const std::string& name : names) {
    if (list.size() + name.size() + 2 > kMaxNotSignedEcho) {
      list += ", ...";
      break;
    }
    if (!list.empty()) list += ", ";
    list += name;
  }
  return s3::Error(s3::Code::AccessDenied, "There were headers present in the request which were not signed")
      .with("HeadersNotSigned", list);
}

}  // namespace silt::auth
