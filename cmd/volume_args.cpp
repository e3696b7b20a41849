#include "cmd/volume_args.h"

#include <algorithm>
#include <charconv>
#include <set>

namespace silt {

namespace {

s3::Error bad(const std::string& arg, const std::string& why) {
  return s3::Error(s3::Code::InvalidArgument, "drive argument '" + arg + "': " + why);
}

bool parse_number(std::string_view s, unsigned long& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Appends arg's directories to out: one per combination of its ranges.
s3::Status expand_one(const std::string& arg, std::vector<std::string>& out) {
  std::vector<std::string> acc{""};
  size_t pos = 0;
  while (pos < arg.size()) {
    size_t open = arg.find('{', pos);
    size_t dots = open == std::string::npos ? std::string::npos : arg.find("...", open);
    size_t close = dots == std::string::npos ? std::string::npos : arg.find('}', dots);
    if (open == std::string::npos || dots == std::string::npos || close == std::string::npos) {
      if (arg.find("...", pos) != std::string::npos) return bad(arg, "an ellipsis outside {N...M}");
      if (arg.find_first_of("{}", pos) != std::string::npos) return bad(arg, "braces only as in {N...M}");
      for (auto& a : acc) a += arg.substr(pos);
      break;
    }
    if (arg.find('}', pos) < open) return bad(arg, "braces only as in {N...M}");
    std::string_view first(arg.data() + open + 1, dots - open - 1);
    std::string_view last(arg.data() + dots + 3, close - dots - 3);
    unsigned long lo = 0, hi = 0;
    if (!parse_number(first, lo) || !parse_number(last, hi))
      return bad(arg, "a range must be {N...M} with whole numbers");
    if (lo > hi) return bad(arg, "the range {" + std::string(first) + "..." + std::string(last) + "} is empty");
    if (hi - lo + 1 > kMaxVolumeDirs) return bad(arg, "too many directories");
    // {01...16}: a leading zero asks for numbers padded to the width of the bounds.
    size_t width = first.size() > 1 && first[0] == '0' ? std::max(first.size(), last.size()) : 0;
    std::vector<std::string> next;
    for (const auto& a : acc) {
      for (unsigned long n = lo; n <= hi; n++) {
        std::string num = std::to_string(n);
        if (num.size() < width) num.insert(0, width - num.size(), '0');
        next.push_back(a + arg.substr(pos, open - pos) + num);
      }
      if (next.size() > kMaxVolumeDirs) return bad(arg, "too many directories");
    }
    acc = std::move(next);
    pos = close + 1;
  }
  out.insert(out.end(), acc.begin(), acc.end());
  return {};
}

}  // namespace

s3::Result<std::vector<std::string>> expand_volume_args(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const auto& arg : args) {
    if (arg.empty()) return bad(arg, "empty");
    if (arg.find("://") != std::string::npos)
      return bad(arg, "silt runs on one machine; the distributed form (http://HOST/DIR) is not supported");
    if (auto st = expand_one(arg, out); !st) return st.error();
    if (out.size() > kMaxVolumeDirs)
      return s3::Error(s3::Code::InvalidArgument,
                       "more than " + std::to_string(kMaxVolumeDirs) + " drive directories in all");
  }
  std::set<std::string> seen;
  for (const auto& d : out)
    if (!seen.insert(d).second) return s3::Error(s3::Code::InvalidArgument, "drive directory " + d + " is named twice");
  return out;
}

s3::Result<std::vector<std::string>> expand_volume_list(std::string_view list) {
  std::vector<std::string> args;
  size_t pos = 0;
  while (pos < list.size()) {
    size_t start = list.find_first_not_of(" \t\r\n", pos);
    if (start == std::string_view::npos) break;
    size_t end = list.find_first_of(" \t\r\n", start);
    if (end == std::string_view::npos) end = list.size();
    args.emplace_back(list.substr(start, end - start));
    pos = end;
  }
  return expand_volume_args(args);
}

}  // namespace silt
