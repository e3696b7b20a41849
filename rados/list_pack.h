// Packed listings (docs/cluster.md, "Packed listings"): a ListObjects page of a bucket
// flagged `packed_list` reads ~1000/64 omap entries instead of 1000, because the OSDs' cost
// of a page is per omap entry (docs/performance.md, "Listing pages: packed blocks").
//
// In a shard of such a bucket, besides the O entries (still the truth):
//   L<key>, M<epoch><key>
//                a delta: the listing entry of the key's O value (index/listing_header.h),
//                or a tombstone when its O entry was removed. Every commit that sets or
//                removes O<key> sets the key's delta in the shard's current epoch
//                (rados/list_epochs.h) in the same atomic op (add_list_deltas).
//   K<last key>  a block: the listing entries of up to kBlockKeys consecutive keys
//                (index/listing_block.h), named by its last key, so reading blocks after
//                "K"+marker lands on the block holding the marker. Blocks of a shard
//                cover disjoint key ranges; only the compactor writes them.
// A key's listing entry is its delta of the newest epoch that has one, else its block
// entry, else none. The compactor closes the current epoch, then folds the closed one's
// deltas into blocks, each op asserting every delta and block it read is unchanged
// (omap_cmp), so a commit racing it only makes it retry; commits never wait for it.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "index/listing_block.h"
#include "rados/backend.h"
#include "rados/list_epochs.h"

namespace silt::rados {

inline constexpr char kBlockKind = 'K';
// Entries in each block the compactor writes (a page of 1000 reads ~17 blocks).
inline constexpr size_t kBlockKeys = 64;

std::string block_entry(std::string_view last_key);  // "K" + last key

// Adds to set the delta, in epoch `epoch`, of every O entry the op sets (its listing
// entry) or removes (in rm: a tombstone). Called on the final set/rm of every commit op to
// a packed bucket, whose op asserts the shard's lepoch is `epoch` (guard_list_epoch).
void add_list_deltas(std::map<std::string, bufferlist>& set, const std::set<std::string>& rm, uint64_t epoch);
void guard_list_epoch(librados::ObjectWriteOperation& op, uint64_t epoch);

// The listing epochs of shard oid, read now; and noted as the gateway's hint for it.
s3::Result<ListEpochs> read_list_epochs(Backend& b, const std::string& oid);

// A position in key space: the greatest string below every key starting with prefix
// (so "entries after it" are those >= prefix); "" for the empty prefix.
std::string before_prefix(std::string_view prefix);

// One read of a shard's blocks and deltas after a position (exclusive, key space), and
// the keys it covers: every key in (after, end] has here its block entry (if any) and its
// deltas (if any). The blocks and deltas read are kept, so entries view into them.
struct PackedWindow {
  std::map<std::string, bufferlist> blocks, deltas;  // deltas of one or two epochs
  bool more_blocks = false;
  // The last key covered; nullopt: the shard's end.
  std::optional<std::string> end;
  // The merged entries in (after, end], keys ascending; tombstones dropped, delete markers
  // kept (entries say so). Views into blocks and deltas; each entry's header is filled.
  std::vector<BlockEntry> entries;
  size_t delta_count = 0;  // deltas merged
};

// Reads into w, in one op asserting the shard's generation: blocks whose name is after
// block_after (key space) and, of every epoch not folded, deltas after `after` whose key
// starts with delta_prefix, at most max_blocks and max_deltas each; then merges them.
// The epochs read are the gateway's hint for the shard (Backend::shard_hint), checked
// against the xattrs read in the same op and read again when they differ.
// -ECANCELED: the generation changed (split); -EIO with *corrupt set: a block or delta
// does not decode, or the epochs are corrupt.
int read_window(Backend& b, const ShardRef& s, const std::string& after, const std::string& block_after,
                const std::string& delta_prefix, size_t max_blocks, size_t max_deltas, PackedWindow& w,
                s3::Error* corrupt);

// Folds the deltas of shard s into blocks: the closed epoch's, from its start; when that
// is done, closes the current epoch (if it has deltas) and folds it; at most max_windows
// ops of up to 1000 deltas each, and one close unless max_windows is SIZE_MAX (then until
// the current epoch is empty). Returns the number of deltas folded; an error when a block
// is corrupt or the shard keeps changing. A shard that is not live (splitting, closing)
// is left alone: 0.
s3::Result<size_t> compact_shard(Backend& b, const ShardRef& s, size_t max_windows);

// After `commits` commits to shard s of a packed bucket: every so many, asks the gateway's
// upkeep worker (b.upkeep) to compact it a little; the caller never waits for it. Failures
// are logged there, never returned.
void note_packed_commit(Backend& b, const ShardRef& s, uint64_t commits = 1);

}  // namespace silt::rados
