#include "cmd/admin_users.h"

#include "cmd/admin_format.h"
#include "util/time.h"

namespace silt::admin {

std::string user_add_body(std::string_view secret) {
  if (secret.empty()) return {};
  return Json{{"secretKey", secret}}.dump();
}

std::string render_users(const Json& users) {
  Table t({{"ACCESS KEY"}, {"CREATED"}, {"ADMIN"}});
  if (users.contains("users") && users["users"].is_array()) {
    for (const auto& u : users["users"]) {
      uint64_t created = json_u64(u, "created");
      bool admin = u.contains("admin") && u["admin"].is_boolean() && u["admin"].get<bool>();
      t.add_row({json_string(u, "accessKey"), created ? iso8601_ms(static_cast<int64_t>(created)) : "-",
                 admin ? "yes" : "no"});
    }
  }
  return t.render();
}

std::string render_added_user(const Json& added) {
  return "access key: " + json_string(added, "accessKey") + "\nsecret key: " + json_string(added, "secretKey") + "\n";
}

}  // namespace silt::admin
