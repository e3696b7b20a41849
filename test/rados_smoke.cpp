// rados_smoke: checks, against a live cluster, the librados behaviour the RADOS backend
// (issue 17, docs/cluster.md) is designed on. Run by test/integration/test_ceph_cluster.py
// against the cluster of scripts/ceph-cluster.sh.
//
//   rados_smoke CEPH_CONF [DATA_POOL [INDEX_POOL]]     (defaults: silt.std, silt.meta)
//
// DATA_POOL is an erasure-coded pool, INDEX_POOL a replicated one (omap needs it). Each run uses
// object names of its own and removes them at the end, so runs can repeat on one cluster.
// Prints one line per check; exit 0 when all hold, 1 at the first that does not, 2 when the
// cluster cannot be reached.
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <rados/librados.hpp>
#include <set>
#include <string>
#include <vector>

namespace {

using librados::bufferlist;

bufferlist bl_of(const std::string& s) {
  bufferlist bl;
  bl.append(s);
  return bl;
}

// Deterministic bytes per (seed, size), so a read can be compared without keeping the write.
std::string pattern(uint64_t seed, size_t size) {
  std::string out(size, '\0');
  uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
  for (auto& c : out) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  return out;
}

// check: prints the outcome; the first failure ends the run with exit code 1.
void check(bool ok, const std::string& what, int r) {
  std::printf("%s: %s (r=%d)\n", ok ? "ok  " : "FAIL", what.c_str(), r);
  std::fflush(stdout);
  if (!ok) std::exit(1);
}

// require: as check, but silent when it holds (steps whose success the next check shows).
void require(bool ok, const std::string& what, int r) {
  if (!ok) check(ok, what, r);
}

struct CompletionDeleter {
  void operator()(librados::AioCompletion* c) const { c->release(); }
};
using Completion = std::unique_ptr<librados::AioCompletion, CompletionDeleter>;

// Several objects written and read with aio, all in flight at once, as the backend's writer will.
// Sizes are not multiples of the EC stripe (k * 4 KiB) on purpose.
void aio_round_trip(librados::IoCtx& data, const std::string& prefix) {
  constexpr int kObjects = 4;
  constexpr size_t kSize = (1 << 20) + 1;
  std::vector<Completion> writes;
  for (int i = 0; i < kObjects; ++i) {
    writes.emplace_back(librados::Rados::aio_create_completion());
    int r = data.aio_write_full(prefix + std::to_string(i), writes.back().get(), bl_of(pattern(i, kSize)));
    require(r == 0, "aio_write_full queued", r);
  }
  for (auto& c : writes) {
    c->wait_for_complete();
    check(c->get_return_value() == 0, "aio_write_full of 1 MiB + 1 to the EC pool", c->get_return_value());
  }
  std::vector<Completion> reads;
  std::vector<bufferlist> got(kObjects);
  for (int i = 0; i < kObjects; ++i) {
    reads.emplace_back(librados::Rados::aio_create_completion());
    int r = data.aio_read(prefix + std::to_string(i), reads.back().get(), &got[i], kSize + 4096, 0);
    require(r == 0, "aio_read queued", r);
  }
  for (int i = 0; i < kObjects; ++i) {
    reads[i]->wait_for_complete();
    int r = reads[i]->get_return_value();
    check(r == static_cast<int>(kSize) && got[i].to_str() == pattern(i, kSize), "aio_read returns the bytes written",
          r);
  }
  // Informational: the design keeps omap off EC pools because Pacific refuses it (-EOPNOTSUPP).
  int r = data.omap_set(prefix + "0", {{"k", bl_of("v")}});
  std::printf("info: omap_set on the EC pool r=%d\n", r);
}

// One guarded write: omap_cmp(key == expected) then omap_set(key = value), atomically.
int guarded_set(librados::IoCtx& index, const std::string& oid, const std::string& key, const std::string& expected,
                const std::string& value) {
  librados::ObjectWriteOperation op;
  int cmp_r = 0;
  op.omap_cmp({{key, {bl_of(expected), LIBRADOS_CMPXATTR_OP_EQ}}}, &cmp_r);
  op.omap_set({{key, bl_of(value)}});
  return index.operate(oid, &op);
}

std::string omap_value(librados::IoCtx& index, const std::string& oid, const std::string& key) {
  std::map<std::string, bufferlist> vals;
  int r = index.omap_get_vals_by_keys(oid, {key}, &vals);
  require(r == 0, "omap_get_vals_by_keys", r);
  return vals.count(key) ? vals[key].to_str() : std::string("<absent>");
}

// If-Match / If-None-Match across gateways rest on these: a failed assertion leaves the whole op
// unapplied, and an absent key compares equal to "".
void omap_compare_and_set(librados::IoCtx& index, const std::string& oid) {
  int r = index.omap_set(oid, {{"etag", bl_of("etag-1")}});
  check(r == 0, "omap_set", r);
  r = guarded_set(index, oid, "etag", "etag-1", "etag-2");
  check(r == 0, "omap_cmp-guarded set with the right expected value applies", r);
  r = guarded_set(index, oid, "etag", "etag-1", "etag-3");
  check(r == -ECANCELED, "omap_cmp-guarded set with a stale expected value fails -ECANCELED", r);
  std::string now = omap_value(index, oid, "etag");
  check(now == "etag-2", "the failed op left the value alone (" + now + ")", 0);
  r = guarded_set(index, oid, "new", "", "v");
  check(r == 0, "omap_cmp(absent key == \"\") holds", r);
  r = guarded_set(index, oid, "new", "", "w");
  check(r == -ECANCELED, "omap_cmp(present key == \"\") fails -ECANCELED", r);
}

// If-None-Match: * on the head record: an exclusive create, then a cmpxattr-guarded update.
void exclusive_create(librados::IoCtx& index, const std::string& oid) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    librados::ObjectWriteOperation op;
    op.create(true);
    op.setxattr("etag", bl_of("etag-1"));
    int r = index.operate(oid, &op);
    if (attempt == 0)
      check(r == 0, "exclusive create of a new object", r);
    else
      check(r == -EEXIST, "exclusive create of an existing object fails -EEXIST", r);
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    librados::ObjectWriteOperation op;
    op.cmpxattr("etag", LIBRADOS_CMPXATTR_OP_EQ, bl_of("etag-1"));
    op.setxattr("etag", bl_of("etag-2"));
    int r = index.operate(oid, &op);
    if (attempt == 0)
      check(r == 0, "cmpxattr-guarded setxattr applies", r);
    else
      check(r == -ECANCELED, "the same guard, now stale, fails -ECANCELED", r);
  }
}

// A listing walks omap in pages: start_after the last key, a prefix filter, at most N entries.
void paged_listing(librados::IoCtx& index, const std::string& oid) {
  constexpr int kKeys = 250, kPage = 100;
  std::map<std::string, bufferlist> kv;
  for (int i = 0; i < kKeys; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "logs/%04d", i);
    kv[key] = bl_of(std::to_string(i));
  }
  kv["other/a"] = bl_of("x");  // sorts after logs/: the filter must stop the walk there
  kv["aaa"] = bl_of("x");      // sorts before logs/
  int r = index.omap_set(oid, kv);
  check(r == 0, "omap_set of 252 keys in one op", r);

  std::string after;
  std::vector<size_t> pages;
  std::vector<bool> mores;
  std::vector<std::string> keys;
  for (bool more = true; more;) {
    std::map<std::string, bufferlist> page;
    int prval = 0;
    librados::ObjectReadOperation op;
    op.omap_get_vals2(after, "logs/", kPage, &page, &more, &prval);
    r = index.operate(oid, &op, nullptr);
    require(r == 0 && prval == 0, "omap_get_vals2 page", r ? r : prval);
    require(pages.size() < 10, "listing ends", 0);
    pages.push_back(page.size());
    mores.push_back(more);
    for (auto& [k, v] : page) keys.push_back(k);
    if (!page.empty()) after = page.rbegin()->first;
  }
  bool sorted = true;
  for (size_t i = 0; i < keys.size(); ++i) {
    char want[32];
    std::snprintf(want, sizeof want, "logs/%04zu", i);
    sorted = sorted && keys[i] == want;
  }
  check(pages == std::vector<size_t>{100, 100, 50} && mores == std::vector<bool>{true, true, false},
        "omap_get_vals2 pages of 100, 100, 50 with more=1, 1, 0", 0);
  check(keys.size() == kKeys && sorted, "every logs/ key once, in order, none other", 0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    std::fprintf(stderr, "usage: %s CEPH_CONF [DATA_POOL [INDEX_POOL]]\n", argv[0]);
    return 2;
  }
  const std::string data_pool = argc > 2 ? argv[2] : "silt.std";
  const std::string index_pool = argc > 3 ? argv[3] : "silt.meta";

  librados::Rados rados;
  int r = rados.init("admin");
  if (r == 0) r = rados.conf_read_file(argv[1]);
  // A stopped or half-started cluster must fail the run, not hang it (librados waits forever).
  if (r == 0) r = rados.conf_set("client_mount_timeout", "30");
  if (r == 0) r = rados.conf_set("rados_osd_op_timeout", "30");
  if (r == 0) r = rados.connect();
  if (r != 0) {
    std::fprintf(stderr, "cannot connect with %s: %d\n", argv[1], r);
    return 2;
  }
  librados::IoCtx data, index;
  r = rados.ioctx_create(data_pool.c_str(), data);
  check(r == 0, "open data pool " + data_pool, r);
  r = rados.ioctx_create(index_pool.c_str(), index);
  check(r == 0, "open index pool " + index_pool, r);

  const std::string run = "smoke." + std::to_string(getpid()) + "." + std::to_string(std::time(nullptr)) + ".";
  aio_round_trip(data, run + "d.");
  omap_compare_and_set(index, run + "cas");
  exclusive_create(index, run + "head");
  paged_listing(index, run + "shard");

  for (int i = 0; i < 4; ++i) data.remove(run + "d." + std::to_string(i));
  for (const char* oid : {"cas", "head", "shard"}) index.remove(run + oid);
  std::printf("rados_smoke: all checks passed\n");
  return 0;
}
