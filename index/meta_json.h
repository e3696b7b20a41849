// JSON forms shared by the index's records: ObjectMeta and ordered pairs.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/object_model.h"
#include "index/object_record.h"

namespace silt {

// Pairs keep their order and may repeat, so they travel as [[name, value], ...].
nlohmann::json pairs_to_json(const std::vector<std::pair<std::string, std::string>>& v);
std::vector<std::pair<std::string, std::string>> pairs_from_json(const nlohmann::json& a);

// Fields absent from the JSON (records written before them) keep their defaults.
nlohmann::json layout_to_json(const ObjectLayout& l);
ObjectLayout layout_from_json(const nlohmann::json& l);

nlohmann::json meta_to_json(const ObjectMeta& m);
ObjectMeta meta_from_json(const nlohmann::json& j);

// Keys and metadata are arbitrary bytes from clients, not always valid UTF-8:
// replace rather than throw (the index key, not this copy, is authoritative).
inline std::string dump_json(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace silt
