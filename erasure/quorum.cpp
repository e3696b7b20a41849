#include "erasure/quorum.h"

#include "erasure/erasure_object_layer.h"
#include "erasure/pool.h"

namespace silt {

std::vector<PoolQuorum> pool_quorum(ObjectLayer& layer) {
  std::vector<PoolQuorum> out;
  auto* erasure = dynamic_cast<ErasureObjectLayer*>(&layer);
  if (!erasure) return out;
  const ErasureSet& set = erasure->set();
  const Pool* standard = set.pool_for_class("STANDARD");
  for (const auto& p : set.pools) {
    PoolQuorum q;
    q.name = p->name;
    q.drives = static_cast<int>(p->drives.size());
    for (const auto& d : p->drives)
      if (d.usable()) q.usable++;
    q.read_quorum = p->k();
    q.write_quorum = p->write_quorum();
    q.default_pool = p.get() == standard;
    out.push_back(std::move(q));
  }
  return out;
}

}  // namespace silt
