// The erasure backend under the conformance suite: STANDARD on six drives (4+2),
// STANDARD_IA on three other drives (2+1, zstd level 3), both with 4 KiB blocks,
// the index in LevelDB beside them, all in a scratch directory.
#include <filesystem>
#include <set>
#include <stdexcept>

#include "../storage/temp_dir.h"
#include "backend.h"
#include "erasure/erasure_config.h"
#include "erasure/erasure_object_layer.h"
#include "erasure/segment_file.h"

namespace silt::conformance {
namespace {

class ErasureBackend final : public Backend {
 public:
  // inline_threshold > 0: small objects go to segment files (ErasureConfig::inline_threshold).
  explicit ErasureBackend(uint64_t inline_threshold = 0) {
    cfg_.inline_threshold = inline_threshold;
    std::vector<std::string> standard, ia;
    for (int i = 0; i < 6; ++i) standard.push_back(dir_.path() + "/drive-" + std::to_string(i));
    for (int i = 0; i < 3; ++i) ia.push_back(dir_.path() + "/ia-" + std::to_string(i));
    cfg_.pools = {PoolConfig{"standard", standard, 2, kBlock, 0, 100}, PoolConfig{"ia", ia, 1, kBlock, 3, 20}};
    cfg_.storage_classes = {{"STANDARD", "standard"}, {"STANDARD_IA", "ia"}};
    cfg_.index_dir = dir_.path() + "/index";
    reopen();
  }

  ObjectLayer& layer() override { return *layer_; }

  void reopen() override {
    layer_.reset();
    auto l = open_erasure_object_layer(cfg_);
    if (!l) throw std::runtime_error("open_erasure_object_layer: " + l.error().message);
    layer_ = std::move(*l);
  }

  Capabilities capabilities() const override { return {}; }

  // Distinct data directories (data/<2 hex>/<data id>) over every drive of every pool,
  // and the data ids of segment file entries no Dead entry has freed: a data id left
  // behind on any one drive counts.
  size_t data_items() override {
    set().trash.wait_idle();
    std::set<std::string> ids, dead;
    for (const Drive* d : set().all_drives()) {
      std::error_code ec;
      for (const auto& fan : std::filesystem::directory_iterator(d->data_root(), ec))
        for (const auto& e : std::filesystem::directory_iterator(fan.path(), ec)) ids.insert(e.path().filename());
      for (const auto& f : std::filesystem::directory_iterator(segments_dir(d->root()), ec))
        (void)scan_segment(f.path().string(), [&](const SegmentEntry& e) {
          (e.kind == SegmentEntryKind::Dead ? dead : ids).insert(e.data_id);
        });
    }
    for (const auto& id : dead) ids.erase(id);
    return ids.size();
  }

  // Files and directories under every drive's tmp/.
  size_t temp_items() override {
    set().trash.wait_idle();
    size_t n = 0;
    for (const Drive* d : set().all_drives()) {
      std::error_code ec;
      for (auto it = std::filesystem::recursive_directory_iterator(d->tmp_root(), ec);
           it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
        ++n;
    }
    return n;
  }

 private:
  ErasureSet& set() { return dynamic_cast<ErasureObjectLayer&>(*layer_).set(); }

  test::TempDir dir_;
  ErasureConfig cfg_;
  std::unique_ptr<ObjectLayer> layer_;
};

}  // namespace

BackendFactory erasure_backend() {
  return {"erasure", [] { return std::unique_ptr<Backend>(std::make_unique<ErasureBackend>()); }, {}};
}

BackendFactory erasure_segments_backend() {
  return {"erasure-segments",
          [] { return std::unique_ptr<Backend>(std::make_unique<ErasureBackend>(/*inline_threshold=*/2 * kBlock)); },
          {}};
}

}  // namespace silt::conformance
