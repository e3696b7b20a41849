// Sizes, money, durations, ETA, the progress line and aligned tables as `silt admin` prints them.
#include <catch2/catch.hpp>

#include "cmd/admin_format.h"

using namespace silt::admin;

TEST_CASE("human_bytes: IEC units, three significant digits") {
  CHECK(human_bytes(0) == "0 B");
  CHECK(human_bytes(1) == "1 B");
  CHECK(human_bytes(1023) == "1023 B");
  CHECK(human_bytes(1024) == "1.00 KiB");
  CHECK(human_bytes(1536) == "1.50 KiB");
  CHECK(human_bytes(10 * 1024 - 1) == "10.0 KiB");  // 9.999 rounds up a digit, not to "10.00"
  CHECK(human_bytes(100 * 1024) == "100 KiB");
  CHECK(human_bytes(1 << 20) == "1.00 MiB");
  CHECK(human_bytes(15'938'355) == "15.2 MiB");
  CHECK(human_bytes(118ULL << 30) == "118 GiB");
  CHECK(human_bytes(3ULL << 40) == "3.00 TiB");
  CHECK(human_bytes(UINT64_MAX) == "16.0 EiB");
}

TEST_CASE("human_count groups thousands") {
  CHECK(human_count(0) == "0");
  CHECK(human_count(999) == "999");
  CHECK(human_count(1000) == "1,000");
  CHECK(human_count(1234567) == "1,234,567");
  CHECK(human_count(100000) == "100,000");
}

TEST_CASE("human_cost") {
  CHECK(human_cost(0) == "$0");
  CHECK(human_cost(0.0123) == "$0.0123");
  CHECK(human_cost(0.00001) == "<$0.0001");  // not zero, so not "$0"
  CHECK(human_cost(0.994) == "$0.9940");
  CHECK(human_cost(0.999) == "$1.00");  // a cent away from 1: cents from here
  CHECK(human_cost(0.9999) == "$1.00");
  CHECK(human_cost(1) == "$1.00");
  CHECK(human_cost(20) == "$20.00");
  CHECK(human_cost(1234.5) == "$1,234.50");
  CHECK(human_cost(1234.567) == "$1,234.57");
  CHECK(human_cost(-3.5) == "-$3.50");
}

TEST_CASE("human_duration") {
  CHECK(human_duration(std::nullopt) == "--");
  CHECK(human_duration(-1.0) == "--");
  CHECK(human_duration(0.0) == "0s");
  CHECK(human_duration(42.4) == "42s");
  CHECK(human_duration(59.6) == "1m00s");
  CHECK(human_duration(185.0) == "3m05s");
  CHECK(human_duration(2 * 3600 + 7 * 60 + 30.0) == "2h07m");
  CHECK(human_duration(3 * 86400 + 4 * 3600 + 10.0) == "3d04h");
}

TEST_CASE("eta_seconds: what is left at the current rate, when it can be known") {
  CHECK(eta_seconds(250, 1000, 50.0) == Approx(15.0));
  CHECK(eta_seconds(1000, 1000, 50.0) == Approx(0.0));
  CHECK_FALSE(eta_seconds(10, 0, 5.0));       // no total estimate
  CHECK_FALSE(eta_seconds(0, 1000, 0.0));     // no progress yet
  CHECK_FALSE(eta_seconds(1200, 1000, 5.0));  // the estimate was low: no made-up number
}

TEST_CASE("progress_line") {
  Progress p;
  p.scanned = 1200;
  p.total = 2400;
  p.moved_objects = 12;
  p.moved_bytes = 3 << 19;
  p.eta = 42;
  CHECK(progress_line(p, 10) == "[=====>    ]  50%  1,200/2,400 scanned  12 moved (1.50 MiB)  ETA 42s");

  p.scanned = 2400;
  p.expired = 3;
  p.eta = 0;
  CHECK(progress_line(p, 4) == "[====] 100%  2,400/2,400 scanned  12 moved (1.50 MiB)  3 expired  ETA 0s");

  Progress unknown;
  unknown.scanned = 5;
  CHECK(progress_line(unknown) == "5 scanned  0 moved (0 B)  ETA --");

  Progress over;  // the server's total was an underestimate
  over.scanned = 30;
  over.total = 20;
  CHECK(progress_line(over, 4) == "[====] 100%  30/20 scanned  0 moved (0 B)  ETA --");

  Progress heal;  // a heal pass says what it did instead
  heal.scanned = 3;
  heal.total = 4;
  heal.detail = "1.00 MiB/2.00 MiB  2 shards rebuilt";
  CHECK(progress_line(heal, 4) == "[===>]  75%  3/4 scanned  1.00 MiB/2.00 MiB  2 shards rebuilt  ETA --");
}

TEST_CASE("Table aligns columns, right-aligns numbers and draws rules") {
  Table t({{"BUCKET"}, {"OBJECTS", Table::Align::Right}, {"NOTE"}});
  t.add_row({"a", "1", "x"});
  t.add_row({"a-longer-name", "12,345", ""});
  t.add_rule();
  t.add_row({"TOTAL", "12,346"});  // short rows are padded
  CHECK(t.rows() == 4);
  CHECK(t.render() ==
        "BUCKET         OBJECTS  NOTE\n"
        "a                    1  x\n"
        "a-longer-name   12,345\n"
        "-------------  -------  ----\n"
        "TOTAL           12,346\n");
}

TEST_CASE("Table counts UTF-8 characters, not bytes, and leaves out an all-empty title line") {
  Table t({{""}, {"", Table::Align::Right}});
  t.add_row({"cl\xc3\xa9", "1"});
  t.add_row({"abcd", "22"});
  CHECK(t.render() ==
        "cl\xc3\xa9    1\n"
        "abcd  22\n");
}
