#include "server/admin_users.h"

#include <nlohmann/json.hpp>

#include "auth/user_store.h"
#include "util/time.h"

namespace silt::server {

namespace {

Response json_response(const nlohmann::json& j) {
  Response r;
  r.content_type = "application/json";
  r.body = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";  // never throws
  return r;
}

const std::string* find_param(const std::vector<std::pair<std::string, std::string>>& q, std::string_view name) {
  for (const auto& [k, v] : q)
    if (k == name) return &v;
  return nullptr;
}

s3::Result<std::string> access_key_param(const std::vector<std::pair<std::string, std::string>>& q) {
  const std::string* key = find_param(q, "accessKey");
  if (!key || key->empty()) return s3::Error(s3::Code::InvalidArgument, "This call needs ?accessKey=KEY");
  return *key;
}

// {"secretKey": "..."} or nothing at all (a secret is generated).
s3::Result<std::string> secret_from_body(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return std::string();
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return s3::Error(s3::Code::InvalidArgument, "The body must be a JSON object such as {\"secretKey\": \"...\"}");
  if (!j.contains("secretKey") || j["secretKey"].is_null()) return std::string();
  if (!j["secretKey"].is_string()) return s3::Error(s3::Code::InvalidArgument, "secretKey must be a string");
  std::string secret = j["secretKey"].get<std::string>();
  if (secret.empty())
    return s3::Error(s3::Code::InvalidArgument, "secretKey must not be empty; omit it to generate one");
  return secret;
}

}  // namespace

s3::Result<Response> handle_admin_users(std::string_view method,
                                        const std::vector<std::pair<std::string, std::string>>& query,
                                        std::string_view body, Services& svc) {
  if (!svc.users) return s3::Error(s3::Code::ServiceUnavailable, "This server has no user store");
  auth::UserStore& users = *svc.users;

  if (method == "GET") {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& u : users.list())
      list.push_back({{"accessKey", u.access_key}, {"created", u.created_ms}, {"admin", u.admin}});
    return json_response({{"users", list}});
  }
  if (method == "PUT") {
    auto key = access_key_param(query);
    if (!key) return key.error();
    auto secret = secret_from_body(body);
    if (!secret) return secret.error();
    auto added = users.add(*key, *secret, now_ms());
    if (!added) return added.error();
    return json_response({{"accessKey", added->access_key}, {"secretKey", added->secret_key}});
  }
  if (method == "DELETE") {
    auto key = access_key_param(query);
    if (!key) return key.error();
    if (auto st = users.remove(*key); !st) return st.error();
    return empty_response(204);
  }
  return s3::Error(s3::Code::MethodNotAllowed, "The specified method is not allowed against this resource.");
}

}  // namespace silt::server
