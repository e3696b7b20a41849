#include "cmd/admin_users.h"

#include "cmd/admin_format.h"
#include "util/time.h"

namespace silt::admin {

std::string user_add_body(std::string_view secret, std::string_view display_name, std::string_view canonical_id) {
  Json j = Json::object();
  if (!secret.empty()) j["secretKey"] = secret;
  if (!display_name.empty()) j["displayName"] = display_name;
  if (!canonical_id.empty()) j["canonicalId"] = canonical_id;
  if (j.empty()) return {};
  // Bytes that are not UTF-8 become U+FFFD, which the server refuses as not printable ASCII.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::optional<std::string> secret_from_input(std::istream& in) {
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) return std::nullopt;
  return line;
}

std::string secret_in_argv_message(std::string_view access_key) {
  const std::string key(access_key);
  return "a secret on the command line is visible to every local user (ps) and stays in shell history; give it "
         "on standard input instead: silt admin user add " +
         key +
         " --secret-stdin (it prompts on a terminal; in a script: printf '%s\\n' \"$SECRET\" | silt admin "
         "user add " +
         key + " --secret-stdin), or leave it out to have one generated";
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
  std::string out =
      "access key: " + json_string(added, "accessKey") + "\nsecret key: " + json_string(added, "secretKey") + "\n";
  // What ACL grants name the user by (an older server sends neither).
  if (auto id = json_string(added, "canonicalId"); !id.empty()) out += "canonical id: " + id + "\n";
  if (auto name = json_string(added, "displayName"); !name.empty()) out += "display name: " + name + "\n";
  return out;
}

}  // namespace silt::admin
