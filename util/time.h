// The date formats S3 clients parse strictly (clients.md §1.6).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace silt {

using SysTime = std::chrono::system_clock::time_point;

int64_t now_ms();
std::string http_date(int64_t epoch_ms);   // "Sun, 06 Nov 1994 08:49:37 GMT"
std::string iso8601_ms(int64_t epoch_ms);  // "2006-02-03T16:45:09.000Z"
// The same text written into buf, which it views: no allocation, no libc formatting, for
// the thousand dates of a listing page.
std::string_view iso8601_ms(int64_t epoch_ms, std::array<char, 32>& buf);
std::string amz_date(int64_t epoch_ms);                      // "20060203T164509Z"
std::optional<int64_t> parse_amz_date(std::string_view s);   // -> epoch ms
std::optional<int64_t> parse_http_date(std::string_view s);  // RFC 1123 (and RFC 850/asctime) -> epoch ms
std::optional<int64_t> parse_iso8601(std::string_view s);    // with or without millis, 'Z'

}  // namespace silt
