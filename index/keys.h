// LevelDB key schema (docs/format.md). The default bytewise comparator sorts
// keys in UTF-8 byte order, which is S3's listing order. Bucket names never
// contain NUL, so "X<bucket>\0" bounds one bucket's keys of kind X exactly.
//   B<bucket>                        -> bucket record (JSON)
//   O<bucket>\0<key>                 -> latest version of the key (object record JSON;
//                                       may be a delete marker)
//   V<bucket>\0<ekey>\0\1<vkey>      -> every version of the key, newest first (vkey below)
//   U<bucket>\0<ekey>\0\1<upload id> -> multipart upload in progress (JSON)
//   P<upload id><part number, 5 digits> -> one uploaded part (JSON)
//   C<bucket>\0<name>                -> bucket config document, stored as given
//   H<bucket>\0<ekey>\0\1<version id> -> a version queued for healing (JSON: reason, queued_ms)
// <ekey> is the object key with every NUL written as NUL 0xff, and "\0\1" ends
// it: that terminator sorts below any continuation of the key, so all entries
// of one key are contiguous and keys keep S3's byte order even when they
// contain NUL. The fixed-length tails (vkey, upload id) follow it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace silt::keys {

inline constexpr char kBucket = 'B';
inline constexpr char kConfig = 'C';
inline constexpr char kHeal = 'H';
inline constexpr char kObject = 'O';
inline constexpr char kPart = 'P';
inline constexpr char kUpload = 'U';
inline constexpr char kVersion = 'V';

// A version key: 16 hex digits of (2^64-1 - commit time in microseconds), then 16
// more: random hex for a real version (whose version id is the whole vkey), all
// zeros for the "null" version. Newer versions of a key therefore sort first.
inline constexpr size_t kVersionKeyLen = 32;
// Upload ids: 16 hex digits of the initiation time in microseconds, then 32
// random hex digits, so one key's uploads sort by initiation time.
inline constexpr size_t kUploadIdLen = 48;

std::string bucket(std::string_view name);
// "<kind><bucket>\0": every key of that kind for the bucket starts with this.
std::string bucket_scope(char kind, std::string_view bucket);
std::string object_prefix(std::string_view bucket);
std::string object(std::string_view bucket, std::string_view key);
// NUL -> NUL 0xff (order- and prefix-preserving), and back.
std::string escape_key(std::string_view key);
std::string unescape_key(std::string_view ekey);
inline constexpr std::string_view kKeyEnd{"\0\1", 2};
// "V<bucket>\0<ekey>\0\1": followed by exactly kVersionKeyLen bytes per version.
std::string versions_of(std::string_view bucket, std::string_view key);
std::string version(std::string_view bucket, std::string_view key, std::string_view vkey);
std::string upload(std::string_view bucket, std::string_view key, std::string_view upload_id);
std::string parts_of(std::string_view upload_id);
std::string part(std::string_view upload_id, int number);
std::string config(std::string_view bucket, std::string_view name);
std::string heal(std::string_view bucket, std::string_view key, std::string_view version_id);

std::string make_version_key(uint64_t time_us, bool null_version);
// Commit time encoded in a vkey; 0 when malformed.
uint64_t version_key_time(std::string_view vkey);
// The vkey of a version committed now over a key whose newest version is `newest`
// ("" when none): strictly newer, so it sorts first even when the clock stands still
// or steps back. Every backend orders versions by this one rule.
std::string version_key_after(std::string_view newest, uint64_t now_us, bool null_version);
// Whether vkey is the "null" version's (its random half all zeros).
bool is_null_version_key(std::string_view vkey);
bool is_version_id(std::string_view s);  // 32 lowercase hex: a vkey of a real version
std::string make_upload_id(uint64_t time_us);
bool is_upload_id(std::string_view s);

// Splits "<ekey>\0\1<tail of tail_len bytes>" (a V or U entry after its scope) into the
// unescaped key and the tail; false when the entry is malformed.
bool split_tail(std::string_view rest, size_t tail_len, std::string& key, std::string_view& tail);

// The common prefix of a listing with prefix and delimiter that key falls under (up to
// and including the first delimiter after the prefix); empty when none.
std::string common_prefix(std::string_view key, std::string_view prefix, std::string_view delimiter);

// The smallest string greater than every string starting with s (last byte
// incremented, trailing 0xff dropped); empty when there is none.
std::string prefix_successor(std::string_view s);

}  // namespace silt::keys
