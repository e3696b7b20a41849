#include "util/time.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace silt {

namespace {
constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::tm utc(int64_t epoch_ms) {
  std::time_t secs = static_cast<std::time_t>(epoch_ms >= 0 ? epoch_ms / 1000 : (epoch_ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

int64_t to_epoch_ms(int year, int mon, int day, int h, int m, int s, int ms) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon;
  tm.tm_mday = day;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

// Years outside 0..9999 are not dates any client sends, and would overflow tm_year or the ms result.
bool valid(int year, int mon, int day, int h, int m, int s) {
  return year >= 0 && year <= 9999 && mon >= 0 && mon < 12 && day >= 1 && day <= 31 && h >= 0 && h < 24 && m >= 0 &&
         m < 60 && s >= 0 && s <= 60;
}

int month_index(const char* name) {
  for (int i = 0; i < 12; i++)
    if (strncmp(name, kMonths[i], 3) == 0) return i;
  return -1;
}
}  // namespace

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string http_date(int64_t epoch_ms) {
  std::tm tm = utc(epoch_ms);
  char buf[96];
  snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon],
           tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string iso8601_ms(int64_t epoch_ms) {
  std::array<char, 32> buf;
  return std::string(iso8601_ms(epoch_ms, buf));
}

std::string_view iso8601_ms(int64_t epoch_ms, std::array<char, 32>& buf) {
  // Days and milliseconds of the day, floored (a negative time is before 1970).
  int64_t days = epoch_ms / 86400000, in_day = epoch_ms % 86400000;
  if (in_day < 0) {
    in_day += 86400000;
    --days;
  }
  // Howard Hinnant's civil_from_days: the proleptic Gregorian date of a day number.
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = static_cast<int64_t>(yoe) + era * 400 + (month <= 2);
  if (year < 0 || year > 9999) {  // not a date any client sends: the libc way, whatever it prints
    std::tm tm = utc(epoch_ms);
    const int n =
        snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(in_day % 1000));
    return {buf.data(), static_cast<size_t>(std::clamp(n, 0, static_cast<int>(buf.size()) - 1))};
  }
  char* p = buf.data();
  auto put = [&p](int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) p[i] = static_cast<char>('0' + v % 10);
    p += width;
  };
  put(year, 4);
  *p++ = '-';
  put(month, 2);
  *p++ = '-';
  put(day, 2);
  *p++ = 'T';
  put(in_day / 3600000, 2);
  *p++ = ':';
  put(in_day / 60000 % 60, 2);
  *p++ = ':';
  put(in_day / 1000 % 60, 2);
  *p++ = '.';
  put(in_day % 1000, 3);
  *p++ = 'Z';
  return {buf.data(), static_cast<size_t>(p - buf.data())};
}

std::string amz_date(int64_t epoch_ms) {
  std::tm tm = utc(epoch_ms);
  char buf[96];
  snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
           tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<int64_t> parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  for (size_t i = 0; i < 15; i++)
    if (i != 8 && (s[i] < '0' || s[i] > '9')) return std::nullopt;
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; i++) v = v * 10 + (s[i] - '0');
    return v;
  };
  int year = num(0, 4), mon = num(4, 2) - 1, day = num(6, 2), h = num(9, 2), m = num(11, 2), sec = num(13, 2);
  if (!valid(year, mon, day, h, m, sec)) return std::nullopt;
  return to_epoch_ms(year, mon, day, h, m, sec, 0);
}

std::optional<int64_t> parse_http_date(std::string_view s) {
  std::string str(s);
  char wday[16] = {}, mon[16] = {};
  int day = 0, year = 0, h = 0, m = 0, sec = 0;
  // RFC 1123: "Sun, 06 Nov 1994 08:49:37 GMT"
  if (sscanf(str.c_str(), "%15[A-Za-z], %2d %3s %4d %2d:%2d:%2d GMT", wday, &day, mon, &year, &h, &m, &sec) == 7) {
  } else if (sscanf(str.c_str(), "%15[A-Za-z], %2d-%3s-%4d %2d:%2d:%2d GMT", wday, &day, mon, &year, &h, &m, &sec) ==
             7) {
    year += year < 70 ? 2000 : (year < 100 ? 1900 : 0);  // RFC 850 two-digit years
  } else if (sscanf(str.c_str(), "%15s %3s %2d %2d:%2d:%2d %4d", wday, mon, &day, &h, &m, &sec, &year) == 7) {
    // asctime
  } else {
    return std::nullopt;
  }
  int mi = month_index(mon);
  if (mi < 0 || !valid(year, mi, day, h, m, sec)) return std::nullopt;
  return to_epoch_ms(year, mi, day, h, m, sec, 0);
}

std::optional<int64_t> parse_iso8601(std::string_view s) {
  std::string str(s);
  int year = 0, mon = 0, day = 0, h = 0, m = 0, n = 0;
  double sec = 0;
  if (sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%lf%n", &year, &mon, &day, &h, &m, &sec, &n) != 6) return std::nullopt;
  if (static_cast<size_t>(n) != str.size() - 1 || str.back() != 'Z') return std::nullopt;
  if (!(sec >= 0 && sec < 61)) return std::nullopt;  // also keeps the cast below defined
  int whole = static_cast<int>(sec);
  if (!valid(year, mon - 1, day, h, m, whole)) return std::nullopt;
  return to_epoch_ms(year, mon - 1, day, h, m, whole, static_cast<int>((sec - whole) * 1000 + 0.5));
}

}  // namespace silt
