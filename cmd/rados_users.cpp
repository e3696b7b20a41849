#include "cmd/rados_users.h"

#include <spdlog/spdlog.h>

#include "rados/rados_object_layer.h"
#include "rados/users.h"
#include "rados/watch.h"

namespace silt {

namespace {

class RadosUserBacking final : public auth::UserBacking {
 public:
  RadosUserBacking(librados::IoCtx& io, std::string where) : where_(std::move(where)) { io_.dup(io); }

  s3::Result<std::vector<auth::Credential>> load() override {
    auto values = rados::load_users(io_);
    if (!values) return values.error();
    std::vector<auth::Credential> out;
    for (const auto& v : *values) {
      auto c = auth::decode_user(v, "users in " + where_ + ": ");
      if (!c) return c.error();
      out.push_back(std::move(*c));
    }
    return out;
  }
  s3::Status insert(const auth::Credential& c) override {
    return rados::insert_user(io_, c.access_key, c.canonical_id, auth::encode_user(c));
  }
  s3::Status erase(std::string_view access_key) override {
    return rados::erase_user(io_, access_key, [](const std::string& value) {
      auto c = auth::decode_user(value, "");
      return c ? c->canonical_id : std::string();
    });
  }
  std::string where() const override { return where_; }

 private:
  librados::IoCtx io_;
  const std::string where_;
};

}  // namespace

s3::Result<ClusterUsers> open_cluster_users(ObjectLayer& layer, auth::Credential root) {
  auto* rl = dynamic_cast<RadosObjectLayer*>(&layer);
  if (!rl) return s3::Error(s3::Code::InternalError, "users in the cluster need the RADOS backend");
  rados::Backend& b = rl->backend();
  const std::string where =
      "RADOS pool " + b.cfg.index_pool + ", namespace '" + b.cfg.name_space + "', object " + rados::kUsersObject;
  ClusterUsers out;
  auto store = auth::UserStore::open(std::make_unique<RadosUserBacking>(b.index, where), std::move(root));
  if (!store) return store.error();
  out.store = std::move(*store);
  auth::UserStore* s = out.store.get();
  auto reload = [s] {
    if (auto st = s->reload(); !st) spdlog::warn("users: cannot reload from the cluster: {}", st.error().message);
  };
  auto watch = rados::Watch::start(
      b.index, rados::kUsersObject, b.cfg.watch_timeout_s, [reload](std::string_view) { reload(); }, reload);
  if (!watch) return watch.error();
  out.watch = std::move(*watch);
  // A change between the first load and the watch would have gone unseen.
  if (auto st = s->reload(); !st) return st.error();
  return out;
}

void on_cluster_bucket_change(ObjectLayer& layer, std::function<void(std::string_view bucket)> cb) {
  if (auto* rl = dynamic_cast<RadosObjectLayer*>(&layer)) rl->on_bucket_change(std::move(cb));
}

}  // namespace silt
