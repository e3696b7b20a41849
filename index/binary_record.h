// The object record in the index's binary form (docs/format.md, "Binary object
// record"): what the index stores after the listing header since the GET path
// stopped parsing JSON. meta.json and the segment files' record copies on the
// drives stay JSON (index/object_record.h); both forms carry the same fields.
#pragma once

#include <string>
#include <string_view>

#include "index/object_record.h"

namespace silt {

// Appends r to out. Every field of the record is written, so decoding gives r back.
void encode_binary_record(const ObjectRecord& r, std::string& out);

// Fills r from in (fields absent from in keep their defaults; fields this silt does
// not know, written by a newer one, are skipped). False when in is malformed: a
// length or number running past its end, a field of the wrong kind, a number out of
// its field's range. Only the syntax is checked here; decode_object_record judges
// the layout.
bool decode_binary_record(std::string_view in, ObjectRecord& r);

}  // namespace silt
