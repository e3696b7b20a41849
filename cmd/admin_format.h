// Text for people: sizes, money, durations and aligned tables, as `silt admin` prints them.
// Pure functions, so the output can be tested without a server.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace silt::admin {

// IEC units, three significant digits: "0 B", "999 B", "1.00 KiB", "15.2 MiB", "118 GiB".
std::string human_bytes(uint64_t n);

// Thousands separated: "1,234,567".
std::string human_count(uint64_t n);

// A monthly cost: two decimals from 1 up ("$1,234.50"), four below ("$0.0123"), "$0" for zero and
// "<$0.0001" for what is not zero but rounds to it.
std::string human_cost(double amount);

// "42s", "3m05s", "2h07m", "3d04h"; "--" when unknown.
std::string human_duration(std::optional<double> seconds);

// Seconds left for a pass that scanned `done` of `total` objects at `rate` objects per second.
// Unknown (nullopt) without a total, without progress, or when the count has overrun the estimate.
std::optional<double> eta_seconds(uint64_t done, uint64_t total, double rate);

// One line of progress: "[=======>      ]  52%  1,200/2,300 scanned  12 moved (1.50 GiB)  ETA 42s".
// Without a total the bar is left out and the line shows the count alone.
struct Progress {
  uint64_t scanned = 0;
  uint64_t total = 0;  // 0: unknown
  uint64_t moved_objects = 0;
  uint64_t moved_bytes = 0;
  uint64_t expired = 0;
  std::optional<double> eta;
  // Heal passes: what to show after the count instead of moved/expired.
  std::optional<std::string> detail;
};
std::string progress_line(const Progress& p, int bar_width = 24);

// Columns separated by two spaces, padded to the widest cell; numbers right-aligned.
// A rule (dashes under every column) can separate, say, the totals from the rows above.
class Table {
 public:
  enum class Align { Left, Right };
  struct Column {
    std::string title;
    Align align = Align::Left;
  };
  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}
  void add_row(std::vector<std::string> cells);
  void add_rule();
  size_t rows() const { return rows_.size(); }
  // Every line ends in '\n'; trailing spaces are trimmed. No title line when every title is empty.
  std::string render() const;

 private:
  std::vector<Column> columns_;
  std::vector<std::optional<std::vector<std::string>>> rows_;  // nullopt: a rule
};

}  // namespace silt::admin
