// This gateway's cache of the root object's entries (rados/backend.h: bucket records
// and bucket config documents), kept right across gateways by a watch on the root.
//
// Every S3 request asks for its bucket's record and some of its configs (policy,
// ACL, public access block, ownership, CORS ...); without the cache each ask is a
// round trip to the root object's OSD. A gateway that changes a bucket's entries calls
// changed(), which drops them here and notifies every other gateway, which drops them
// too before changed() returns (rados/watch.h bounds the wait). While the watch is not
// healthy every read goes to the cluster, so no answer is stale for longer than a
// notify takes to arrive.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rados/backend.h"
#include "rados/watch.h"

namespace silt::rados {

class RootCache {
 public:
  // Watches the root object; without a watch (an error) the cache is off and every
  // read goes to the cluster.
  RootCache(Backend& b, uint32_t watch_timeout_s);

  // The values of the root entries `entries`, all of `bucket` (bucket_entry,
  // config_entry); an absent entry is missing from the result. From the cache when it
  // is trustworthy, else one omap read (whose result is cached unless an invalidation
  // arrived meanwhile).
  s3::Result<std::map<std::string, std::string>> read(std::string_view bucket, const std::vector<std::string>& entries);

  // After this gateway changed (or may have changed) bucket's root entries: forgets them
  // here and notifies the other gateways.
  void changed(std::string_view bucket);

  // cb learns of every bucket dropped here ("" : all), whatever dropped it: the server's
  // own caches derived from these entries follow. Set once, before serving.
  void on_change(std::function<void(std::string_view bucket)> cb) { on_change_ = std::move(cb); }

 private:
  void forget(std::string_view bucket);
  void forget_all();

  Backend& b_;
  std::function<void(std::string_view)> on_change_;
  std::unique_ptr<Watch> watch_;
  std::mutex mu_;
  // bucket -> entry -> value (nullopt: known absent)
  std::map<std::string, std::map<std::string, std::optional<std::string>>, std::less<>> cached_;
};

}  // namespace silt::rados
