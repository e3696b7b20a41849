// JSON forms shared by the index's records: the layout here; ObjectMeta and ordered pairs
// in common/object_json.h.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/object_json.h"
#include "common/object_model.h"
#include "index/object_record.h"

namespace silt {

// Fields absent from the JSON (records written before them) keep their defaults.
nlohmann::json layout_to_json(const ObjectLayout& l);
ObjectLayout layout_from_json(const nlohmann::json& l);

// Keys and metadata are arbitrary bytes from clients, not always valid UTF-8:
// replace rather than throw (the index key, not this copy, is authoritative).
inline std::string dump_json(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace silt
