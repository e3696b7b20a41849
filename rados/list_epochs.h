// Epochs of a packed bucket's listing deltas (docs/cluster.md, "Delta epochs").
//
// Why: the compactor removes the deltas it folds into blocks, and every removal leaves a
// RocksDB tombstone in the OSD until RocksDB compacts that range, which after a bulk load
// can be hours. A page's delta read walks every tombstone between its marker and the
// next live entry, so a bucket just filled by PUTs listed 5x slower than a compacted one.
// So deltas are named by epoch: commits write into the shard's current epoch, and the
// compactor folds only a closed one. Once an epoch is folded nobody reads its range
// again, and its tombstones lie outside every range a page reads.
//
// Per shard (xattrs; absent reads as 0):
//   lepoch   the current epoch: every commit writes its deltas there, and asserts it
//   lfolded  every epoch below this one is folded into blocks (its deltas are gone)
// Always lepoch == lfolded (nothing to fold) or lepoch == lfolded + 1 (one closed epoch
// being folded): the compactor closes the current epoch only once the last is folded.
// A page reads the deltas of epochs lfolded..lepoch, a newer epoch's delta winning.
//
// Delta names (rados/list_pack.h): epoch 0 "L<key>", as every packed bucket had before
// epochs, so those read on; epoch e > 0 "M<16 hex digits of e><key>".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "rados/connection.h"

namespace silt::rados {

inline constexpr const char* kListEpochXattr = "lepoch";
inline constexpr const char* kListFoldedXattr = "lfolded";

struct ListEpochs {
  uint64_t current = 0;  // lepoch
  uint64_t folded = 0;   // lfolded
  bool operator==(const ListEpochs&) const = default;
};

// An epoch as its xattr holds it: "" for 0 (what an absent xattr compares equal to in
// cmpxattr), else decimal.
std::string epoch_raw(uint64_t e);

// The epochs in a shard's xattrs; nullopt when a value does not parse or they break the
// invariant above (a corrupt shard).
std::optional<ListEpochs> parse_list_epochs(const std::map<std::string, bufferlist>& attrs);
// What a reader of shard oid answers when parse_list_epochs refuses its xattrs (500).
s3::Error corrupt_epochs(std::string_view oid);

// What every delta of epoch e starts with: "L", or "M" and 16 hex digits.
std::string delta_scope(uint64_t e);
std::string delta_entry(uint64_t e, std::string_view key);
// The key of a delta entry's name, of any epoch; nullopt for other entries.
std::optional<std::string_view> delta_key(std::string_view name);

}  // namespace silt::rados
