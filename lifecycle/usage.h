// What the stored data costs, and what a bucket's lifecycle rules would make
// of it: `silt admin usage` and `silt admin lifecycle simulate` (docs/admin-api.md).
// Stored bytes are the sizes of the shard files the writers measured, so
// erasure coding and compression are counted as they are, not estimated.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "object/object_layer.h"

namespace silt::lifecycle {

struct ClassUsage {
  std::string storage_class;
  std::string pool;
  uint64_t objects = 0;  // versions holding data (noncurrent ones too: they are stored)
  uint64_t logical_bytes = 0;
  uint64_t stored_bytes = 0;
  double monthly_cost = 0;
  // Of the above, the versions whose data the index keeps itself (measure_usage's
  // inline_limit): in no data pool. Their stored bytes are their size (one copy, in the index).
  uint64_t inline_objects = 0;
  uint64_t inline_bytes = 0;

  // Adds o's objects, bytes and cost to these (a total of one class over buckets). The
  // names stay; an empty one takes o's.
  ClassUsage& operator+=(const ClassUsage& o);
};

struct BucketUsage {
  std::string bucket;
  std::vector<ClassUsage> classes;
};

// Cost of bytes on a pool priced per TB (10^12 bytes) and month.
double monthly_cost(uint64_t stored_bytes, double price_per_tb_month);

// Every bucket (or just `bucket`), walking the index. inline_limit: single PUTs of at most
// this many bytes keep their data in the index itself (the RADOS backend's inline_bytes,
// ClusterState::inline_bytes) and count as inline_objects; 0: none does.
s3::Result<std::vector<BucketUsage>> measure_usage(ObjectLayer& objects, const std::string& bucket,
                                                   uint64_t inline_limit = 0);

// The bucket at one horizon of a simulation.
struct Horizon {
  int days = 0;
  std::vector<ClassUsage> classes;  // what is stored then, per class
  uint64_t expired_objects = 0;     // expired or deleted by then
  uint64_t expired_bytes = 0;
  uint64_t transitioned_objects = 0;  // moved to another class by then
  uint64_t transitioned_bytes = 0;
};

struct Simulation {
  std::string bucket;
  std::vector<ClassUsage> now;
  std::vector<Horizon> horizons;  // in the order the days were given
};

// The bucket now and at each horizon (days from now) if its current rules ran
// then: objects expired, objects transitioned, stored bytes and monthly cost.
// Bytes moving into a pool are estimated from samples of the objects about to
// move, compressed as that pool would (nothing is written).
// proposed: a LifecycleConfiguration document to simulate instead of the stored one
// (the console's rule editor shows what rules would do before they are saved); it is
// validated as PutBucketLifecycleConfiguration would (MalformedXML, InvalidArgument, ...).
s3::Result<Simulation> simulate(ObjectLayer& objects, const std::string& bucket, const std::vector<int>& days,
                                int64_t day_ms, std::optional<std::string_view> proposed = std::nullopt);

}  // namespace silt::lifecycle
