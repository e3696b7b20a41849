// LevelDB key schema (docs/format.md). The default bytewise comparator sorts
// keys in UTF-8 byte order, which is S3's listing order. Bucket names never
// contain NUL, so "O<bucket>\0" bounds one bucket's objects exactly.
//   B<bucket>            -> bucket record (JSON)
//   O<bucket>\0<key>     -> current object record (JSON, index/object_record.h)
// Reserved for later: V (object versions), U (multipart uploads).
#pragma once

#include <string>
#include <string_view>

namespace silt::keys {

inline constexpr char kBucket = 'B';
inline constexpr char kObject = 'O';

std::string bucket(std::string_view name);
// "O<bucket>\0": every object key of the bucket starts with this.
std::string object_prefix(std::string_view bucket);
std::string object(std::string_view bucket, std::string_view key);

// The smallest string greater than every string starting with s (last byte
// incremented, trailing 0xff dropped); empty when there is none.
std::string prefix_successor(std::string_view s);

}  // namespace silt::keys
