#include "cmd/admin_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace silt::admin {

namespace {

std::string printf_string(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// Columns line up by what a terminal shows, so count UTF-8 code points rather than bytes.
size_t display_width(const std::string& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

std::string human_bytes(uint64_t n) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (n < 1024) return std::to_string(n) + " B";
  double v = static_cast<double>(n) / 1024;
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    unit++;
  }
  // Three significant digits; decide on the rounded value so 9.999 prints as "10.0", not "10.00".
  std::string num;
  if (std::round(v * 100) / 100 < 10)
    num = printf_string("%.2f", v);
  else if (std::round(v * 10) / 10 < 100)
    num = printf_string("%.1f", v);
  else
    num = printf_string("%.0f", v);
  return num + " " + kUnits[unit];
}

std::string human_count(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); i++) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string human_cost(double amount) {
  if (amount == 0) return "$0";
  std::string sign = amount < 0 ? "-" : "";
  double a = std::fabs(amount);
  if (std::round(a * 10000) == 0) return sign + "<$0.0001";
  if (std::round(a * 100) / 100 < 1) return sign + "$" + printf_string("%.4f", a);
  double cents_total = std::round(a * 100);
  auto whole = static_cast<uint64_t>(cents_total / 100);
  auto cents = static_cast<int>(cents_total - static_cast<double>(whole) * 100);
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%02d", cents);
  return sign + "$" + human_count(whole) + frac;
}

std::string human_duration(std::optional<double> seconds) {
  if (!seconds || !std::isfinite(*seconds) || *seconds < 0) return "--";
  auto s = static_cast<uint64_t>(std::llround(*seconds));
  char buf[32];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%llus", static_cast<unsigned long long>(s));
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%llum%02llus", static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  else if (s < 86400)
    std::snprintf(buf, sizeof buf, "%lluh%02llum", static_cast<unsigned long long>(s / 3600),
                  static_cast<unsigned long long>(s % 3600 / 60));
  else
    std::snprintf(buf, sizeof buf, "%llud%02lluh", static_cast<unsigned long long>(s / 86400),
                  static_cast<unsigned long long>(s % 86400 / 3600));
  return buf;
}

std::optional<double> eta_seconds(uint64_t done, uint64_t total, double rate) {
  if (total == 0 || done > total || !(rate > 0) || !std::isfinite(rate)) return std::nullopt;
  return static_cast<double>(total - done) / rate;
}

std::string progress_line(const Progress& p, int bar_width) {
  std::string out;
  if (p.total > 0) {
    double frac = std::min(1.0, static_cast<double>(p.scanned) / static_cast<double>(p.total));
    int filled = static_cast<int>(frac * bar_width);
    out += '[';
    for (int i = 0; i < bar_width; i++) out += i < filled ? '=' : (i == filled ? '>' : ' ');
    out += "] " + printf_string("%3.0f", std::floor(frac * 100)) + "%  ";
    out += human_count(p.scanned) + "/" + human_count(p.total) + " scanned";
  } else {
    out += human_count(p.scanned) + " scanned";
  }
  if (p.detail) {
    out += "  " + *p.detail;
  } else {
    out += "  " + human_count(p.moved_objects) + " moved (" + human_bytes(p.moved_bytes) + ")";
    if (p.expired > 0) out += "  " + human_count(p.expired) + " expired";
  }
  out += "  ETA " + human_duration(p.eta);
  return out;
}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  rows_.emplace_back(std::move(cells));
}

void Table::add_rule() {
  rows_.emplace_back(std::nullopt);
}

std::string Table::render() const {
  std::vector<size_t> width(columns_.size());
  for (size_t c = 0; c < columns_.size(); c++) width[c] = display_width(columns_[c].title);
  for (const auto& row : rows_)
    if (row)
      for (size_t c = 0; c < columns_.size(); c++) width[c] = std::max(width[c], display_width((*row)[c]));

  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t c = 0; c < columns_.size(); c++) {
      if (c > 0) out += "  ";
      std::string pad(width[c] - display_width(cells[c]), ' ');
      out += columns_[c].align == Align::Right ? pad + cells[c] : cells[c] + pad;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };

  std::vector<std::string> titles;
  bool any_title = false;
  for (const auto& col : columns_) {
    titles.push_back(col.title);
    any_title = any_title || !col.title.empty();
  }
  std::string out = any_title ? line(titles) : std::string();
  for (const auto& row : rows_) {
    if (row) {
      out += line(*row);
    } else {
      std::vector<std::string> dashes;
      for (size_t w : width) dashes.emplace_back(w, '-');
      out += line(dashes);
    }
  }
  return out;
}

}  // namespace silt::admin
