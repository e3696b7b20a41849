#include "server/ops/admin_users.h"

#include <nlohmann/json.hpp>

#include "auth/user_store.h"
#include "object/object_layer.h"
#include "util/time.h"

namespace silt::server {

namespace {

Response users_json_response(const nlohmann::json& j) {
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

// What a PUT body asks for; empty fields: the defaults (a generated secret, the access
// key as display name, a random canonical id).
struct NewUser {
  std::string secret;
  auth::UserNames names;
};

// One optional string member; "" when absent or null.
s3::Result<std::string> optional_string(const nlohmann::json& j, const char* name) {
  if (!j.contains(name) || j[name].is_null()) return std::string();
  if (!j[name].is_string()) return s3::Error(s3::Code::InvalidArgument, std::string(name) + " must be a string");
  std::string v = j[name].get<std::string>();
  if (v.empty())
    return s3::Error(s3::Code::InvalidArgument, std::string(name) + " must not be empty; omit it for the default");
  return v;
}

// {"secretKey": "...", "displayName": "...", "canonicalId": "..."}, each optional, or nothing at all.
s3::Result<NewUser> new_user_from_body(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return NewUser{};
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return s3::Error(s3::Code::InvalidArgument, "The body must be a JSON object such as {\"secretKey\": \"...\"}");
  NewUser u;
  auto secret = optional_string(j, "secretKey");
  if (!secret) return secret.error();
  auto display = optional_string(j, "displayName");
  if (!display) return display.error();
  auto id = optional_string(j, "canonicalId");
  if (!id) return id.error();
  return NewUser{std::move(*secret), {std::move(*display), std::move(*id)}};
}

// The buckets owner holds, by name.
s3::Result<std::vector<std::string>> buckets_of(ObjectLayer& objects, std::string_view owner) {
  auto all = objects.list_buckets();
  if (!all) return all.error();
  std::vector<std::string> names;
  for (const auto& b : *all)
    if (b.owner == owner) names.push_back(b.name);
  return names;
}

// "a, b, c" with at most a screenful of names.
std::string name_list(const std::vector<std::string>& names) {
  constexpr size_t kShown = 20;
  std::string out;
  for (size_t i = 0; i < names.size() && i < kShown; i++) out += (i ? ", " : "") + names[i];
  if (names.size() > kShown) out += " and " + std::to_string(names.size() - kShown) + " more";
  return out;
}

// A name's buckets outlive the user: a user added again under that name must not find
// them (docs/admin-api.md). Removal refuses while the user owns buckets, or gives them to
// reassign_to first; the user is removed before the buckets move, so a bucket it creates
// meanwhile moves too. A name that is no user but still owns buckets (removed by an
// older silt) only has its buckets moved.
s3::Status remove_user(auth::UserStore& users, ObjectLayer& objects, const std::string& key,
                       const std::string* reassign_to) {
  const bool exists = users.credentials().find(key).has_value();
  if (key == users.admin_user()) return users.remove(key);  // refused, with its message
  std::string new_owner;
  if (reassign_to) {
    if (*reassign_to == key || reassign_to->empty())
      return s3::Error(s3::Code::InvalidArgument, "reassignTo must name another user (or the admin)");
    if (!users.credentials().find(*reassign_to))
      return s3::Error(s3::Code::InvalidArgument, "There is no user " + *reassign_to + " to give the buckets to");
    if (*reassign_to != users.admin_user()) new_owner = *reassign_to;  // "": the admin's
  }
  auto owned = buckets_of(objects, key);
  if (!owned) return owned.error();
  if (!exists && owned->empty()) return users.remove(key);  // no such user: refused, with its message
  if (!reassign_to && !owned->empty())
    return s3::Error(s3::Code::DeleteConflict, "The user " + key + " owns buckets (" + name_list(*owned) +
                                                   "): delete them, or give them to another user with "
                                                   "reassignTo=USER (silt admin user remove " +
                                                   key + " --reassign-to USER)");
  if (exists)
    if (auto st = users.remove(key); !st) return st;
  if (!reassign_to) return {};
  owned = buckets_of(objects, key);
  if (!owned) return owned.error();
  for (const auto& name : *owned)
    if (auto st = objects.set_bucket_owner(name, new_owner); !st && st.error().code != s3::Code::NoSuchBucket)
      return st;
  return {};
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
      list.push_back({{"accessKey", u.access_key},
                      {"created", u.created_ms},
                      {"admin", u.admin},
                      {"canonicalId", u.canonical_id},
                      {"displayName", u.display_name}});
    return users_json_response({{"users", list}});
  }
  if (method == "PUT") {
    auto key = access_key_param(query);
    if (!key) return key.error();
    auto wanted = new_user_from_body(body);
    if (!wanted) return wanted.error();
    // Left from a removal before buckets were checked (or one racing a CreateBucket):
    // the new holder of the name must not get them.
    auto leftover = buckets_of(svc.objects, *key);
    if (!leftover) return leftover.error();
    if (!leftover->empty() && !users.credentials().find(*key))
      return s3::Error(s3::Code::DeleteConflict, "Buckets of a removed user " + *key + " remain (" +
                                                     name_list(*leftover) +
                                                     "): give them to another user first (silt admin user remove " +
                                                     *key + " --reassign-to USER)");
    auto added = users.add(*key, wanted->secret, now_ms(), wanted->names);
    if (!added) return added.error();
    return users_json_response({{"accessKey", added->access_key},
                          {"secretKey", added->secret_key},
                          {"canonicalId", added->canonical_id},
                          {"displayName", added->display_name}});
  }
  if (method == "DELETE") {
    auto key = access_key_param(query);
    if (!key) return key.error();
    if (auto st = remove_user(users, svc.objects, *key, find_param(query, "reassignTo")); !st) return st.error();
    return empty_response(204);
  }
  return s3::Error(s3::Code::MethodNotAllowed, "The specified method is not allowed against this resource.");
}

}  // namespace silt::server
