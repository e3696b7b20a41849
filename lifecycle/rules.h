// A bucket's lifecycle configuration: the model the worker and the x-amz-expiration
// header read, and its XML (PutBucketLifecycleConfiguration in, Get... out), checked the
// way S3 checks it so clients get S3's codes and messages.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace silt::lifecycle {

// Which objects a rule applies to; every part given must hold (an empty filter matches all).
struct Filter {
  std::string prefix;
  std::vector<std::pair<std::string, std::string>> tags;
  std::optional<uint64_t> size_greater_than, size_less_than;
  // How the document wrote it, so GetBucketLifecycleConfiguration answers element for
  // element what was put (clients compare): none of these changes what matches.
  bool legacy = false;        // a rule-level <Prefix> (Lifecycle V1), no <Filter>
  bool in_and = false;        // the predicates inside <And>
  bool prefix_given = false;  // a <Prefix> element, even an empty one
};

struct Transition {
  std::optional<int> days;         // after creation
  std::optional<int64_t> date_ms;  // a midnight UTC
  std::string storage_class;
};

struct NoncurrentTransition {
  int noncurrent_days = 0;
  std::optional<int> newer_noncurrent_versions;
  std::string storage_class;
};

struct Rule {
  std::string id;
  bool enabled = true;
  Filter filter;
  std::optional<int> expiration_days;
  std::optional<int64_t> expiration_date_ms;
  bool expired_object_delete_marker = false;
  std::vector<Transition> transitions;
  std::optional<int> noncurrent_expiration_days;
  std::optional<int> noncurrent_newer_versions;
  std::vector<NoncurrentTransition> noncurrent_transitions;
  std::optional<int> abort_incomplete_days;
};

struct Configuration {
  std::vector<Rule> rules;
};

// Parses and validates a LifecycleConfiguration document (both the current form with
// <Filter> and the legacy one with a rule-level <Prefix>). valid_class says whether this
// deployment maps a storage class name to a pool (ObjectLayer::has_storage_class).
// Rules given without an ID get "rule-N". Errors: MalformedXML, InvalidArgument,
// InvalidRequest, InvalidStorageClass, with S3's messages.
s3::Result<Configuration> parse_configuration(std::string_view xml,
                                              const std::function<bool(std::string_view)>& valid_class);

// The document GetBucketLifecycleConfiguration answers: the rules as they were given
// (filter form included, IDs filled in), in S3's element order; parse_configuration
// accepts it back.
std::string to_xml(const Configuration& config);

}  // namespace silt::lifecycle
