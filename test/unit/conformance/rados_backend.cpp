// The RADOS backend under the conformance suite, on the test cluster named by
// $SILT_CEPH_CONF (test/integration/test_rados_conformance.py starts one and runs the
// suite with it set): the cluster's pools (scripts/ceph_cluster_admin.py), a RADOS
// namespace of its own per deployment, 4 KiB stripes, GC with no grace period so the
// counts see replaced data gone at once, index shards that split at 32 entries. STANDARD is on silt.std, STANDARD_IA on
// silt.cold with gateway zstd. The destructor removes every object of the namespace.
//
// The skip list below names the cases that need what the RADOS backend does not do
// yet (docs/cluster.md, "Not yet"); CONFORMANCE_ENV prints each skip.
#include <cstdlib>
#include <map>
#include <rados/librados.hpp>
#include <set>
#include <stdexcept>

#include "backend.h"
#include "index/object_record.h"
#include "index/upload_record.h"
#include "rados/backend.h"
#include "rados/gc.h"
#include "rados/rados_config.h"
#include "rados/rados_object_layer.h"

namespace silt::conformance {
namespace {

class RadosBackend final : public Backend {
 public:
  RadosBackend() {
    const char* conf = std::getenv("SILT_CEPH_CONF");
    cfg_ = default_rados_config(conf ? conf : "");
    cfg_.name_space = "conformance-" + rados::random_id();
    cfg_.stripe_bytes = kBlock;
    cfg_.gc_grace_ms = 0;
    cfg_.gc_interval_ms = 0;  // the counts below run GC passes themselves
    // Small index shards: buckets of more than a few dozen keys split (rados/split.h),
    // so the suite's listings, versions and uploads run across shards too.
    cfg_.split_entries = 32;
    reopen();
  }

  ~RadosBackend() override {
    if (!layer_) return;
    // Everything this deployment stored is in its namespace: remove it all.
    rados::Backend& b = backend();
    auto wipe = [](librados::IoCtx& io) {
      std::vector<std::string> oids;
      for (auto it = io.nobjects_begin(); it != io.nobjects_end(); ++it) oids.push_back(it->get_oid());
      for (const auto& oid : oids) (void)io.remove(oid);
    };
    wipe(b.index);
    for (auto& p : b.pools) wipe(p->io);
    layer_.reset();
  }

  ObjectLayer& layer() override { return *layer_; }

  void reopen() override {
    layer_.reset();
    auto l = open_rados_object_layer(cfg_);
    if (!l) throw std::runtime_error("open_rados_object_layer: " + l.error().message);
    layer_ = std::move(*l);
  }

  Capabilities capabilities() const override { return {}; }

  // Distinct data ids stored: those of the RADOS data objects (<data id>.<n>) in every
  // pool, of inlined bytes (D entries), and of zero-byte versions, delete markers and
  // parts, which are nothing but their record.
  size_t data_items() override {
    rados::Backend& b = backend();
    if (auto n = rados_layer().collect_garbage(); !n) throw std::runtime_error(n.error().message);
    std::set<std::string> ids;
    for (auto& p : b.pools)
      for (auto it = p->io.nobjects_begin(); it != p->io.nobjects_end(); ++it) {
        const std::string& oid = it->get_oid();
        ids.insert(oid.substr(0, oid.find('.')));
      }
    for (const auto& shard : shards())
      for (const auto& [name, value] : entries(shard, "")) {
        if (name[0] == 'D') ids.insert(name.substr(1));
        if (name[0] == 'V' || name[0] == 'P') {
          auto empty = empty_item(name[0], value);
          if (!empty.empty()) ids.insert(empty);
        }
      }
    return ids.size();
  }

  // Write intents (I entries) in every shard: an open writer's, or one that failed.
  size_t temp_items() override {
    size_t n = 0;
    for (const auto& shard : shards()) n += entries(shard, "I").size();
    return n;
  }

 private:
  RadosObjectLayer& rados_layer() { return dynamic_cast<RadosObjectLayer&>(*layer_); }
  rados::Backend& backend() { return rados_layer().backend(); }

  // Every bucket shard object of the namespace, live or left behind.
  std::vector<std::string> shards() {
    std::vector<std::string> out;
    librados::IoCtx& io = backend().index;
    for (auto it = io.nobjects_begin(); it != io.nobjects_end(); ++it)
      if (it->get_oid().rfind("silt.b.", 0) == 0) out.push_back(it->get_oid());
    return out;
  }

  std::map<std::string, std::string> entries(const std::string& shard, const std::string& prefix) {
    std::map<std::string, std::string> out;
    std::string after;
    for (bool more = true; more;) {
      std::map<std::string, librados::bufferlist> page;
      int rv = 0;
      librados::ObjectReadOperation op;
      op.omap_get_vals2(after, prefix, 1000, &page, &more, &rv);
      if (int r = backend().index.operate(shard, &op, nullptr); r < 0) break;
      for (auto& [k, v] : page) out[k] = v.to_str();
      if (page.empty()) break;
      after = page.rbegin()->first;
    }
    return out;
  }

  // The data id of a zero-byte version or delete marker (V) or part (P) entry; "" otherwise.
  static std::string empty_item(char kind, const std::string& value) {
    if (kind == 'V') {
      auto rec = decode_object_record(value);
      if (rec && rec->info.size == 0) return rec->primary_data_id();
      return {};
    }
    auto part = decode_uploaded_part(value);
    if (part && part->info.size == 0) return part->layout.data_id;
    return {};
  }

  RadosConfig cfg_;
  std::unique_ptr<ObjectLayer> layer_;
};

}  // namespace

BackendFactory rados_backend() {
  // Every case that needs a feature the RADOS backend lacks (docs/cluster.md, "Not yet").
  std::vector<Skip> skipped = {};
  return {"rados", [] { return std::unique_ptr<Backend>(std::make_unique<RadosBackend>()); }, std::move(skipped)};
}

}  // namespace silt::conformance
