// Command line of silt-bench (silt-bench --help prints it with defaults).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bench/s3_client.h"

namespace silt::bench {

enum class Mode { Put, Get, Mixed, List, RangedGet };

struct Options {
  Mode mode = Mode::Put;
  std::string mode_name = "put";
  Endpoint endpoint;
  std::string bucket = "silt-bench";
  std::string prefix = "bench/";
  uint64_t size = 4096;
  unsigned concurrency = 1;
  double duration_s = 10;
  uint64_t count = 0;    // > 0: stop after this many operations instead of after duration_s
  uint64_t objects = 0;  // key space: get/mixed read (and put overwrites) obj-0 .. obj-(objects-1)
  PayloadKind payload = PayloadKind::Unsigned;
  std::string payload_name = "unsigned";
  bool zeros = false;  // --pattern zeros
  size_t chunk_size = 64 * 1024;
  uint64_t range_size = 1 << 20;
  unsigned read_pct = 50;
  unsigned max_keys = 1000;
  std::string delimiter = "/";
  bool setup = false;
  bool setup_only = false;
  bool json = false;
  std::string label;
  std::string write_body;  // write the generated body of --size to this file and exit
};

// Parses argv; on --help or a bad option prints to stdout/stderr and returns the exit code to use.
std::optional<int> parse_options(int argc, char** argv, Options& o);

// "4K", "64M", "1G", "1.5G", "4096" -> bytes (binary multiples).
std::optional<uint64_t> parse_size(const std::string& s);

}  // namespace silt::bench
