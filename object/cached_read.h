// A read that must not wait: a session thread (the io_context) may look an object up
// and read a small one itself, without the blocking pool's thread hand-off, only if
// nothing it touches has to wait for a disk or a network. Inside a CachedReadScope on
// this thread a backend that can tell takes only what is in memory or the page cache
// (the erasure backend: preadv2 with RWF_NOWAIT, no waiting for data_mu) and reports
// anything that would wait as would_block(); a backend that cannot tell (rados: every
// read is a network round trip) refuses at once. The caller then throws the attempt
// away and does it again on the blocking pool. A would-block is never damage: no
// repair is queued for it.
//
// Not covered, read inline: the index (LevelDB has no read that refuses to wait; a
// lookup is a memtable or block-cache hit, or a page of a table file that a busy
// bucket keeps in the page cache) and the open() of a segment or shard file (a
// directory lookup, cached for files in use). docs/performance.md, "GET path".
#pragma once

namespace silt::cached_read {

namespace detail {
inline thread_local int depth = 0;
inline thread_local bool blocked = false;
}  // namespace detail

// Marks this thread's reads as cached-only until destroyed. Not nestable across threads.
class Scope {
 public:
  Scope() {
    if (detail::depth++ == 0) detail::blocked = false;
  }
  ~Scope() { --detail::depth; }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;
  // Some read in this scope would have waited: its result is not to be used.
  bool would_block() const { return detail::blocked; }
};

// Inside a Scope? (Backends ask before a read that might wait.)
inline bool active() {
  return detail::depth > 0;
}
// A backend's report that a read would have waited (and was not done).
inline void note_would_block() {
  detail::blocked = true;
}
// Has a read of this Scope been refused? (No repair is queued for such a read.)
inline bool blocked() {
  return active() && detail::blocked;
}
// For backends that cannot read without waiting: true (and noted) inside a Scope.
inline bool refuse() {
  if (!active()) return false;
  note_would_block();
  return true;
}

}  // namespace silt::cached_read
