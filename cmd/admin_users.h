// `silt admin user add|list|remove`: what is sent to the admin API's users calls and
// what is printed of the answers (docs/admin-api.md). Pure, so it is tested without a server.
#pragma once

#include <istream>
#include <optional>
#include <string>
#include <string_view>

#include "cmd/admin_views.h"

namespace silt::admin {

// The PUT body: {"secretKey": S, "displayName": D, "canonicalId": I}, each member only
// when not empty (the server picks defaults), or empty when all are.
std::string user_add_body(std::string_view secret, std::string_view display_name = {},
                          std::string_view canonical_id = {});

// The secret `user add --secret-stdin` reads: the first line of in, without its line end.
// nullopt when there is none (end of input, or an empty line).
std::optional<std::string> secret_from_input(std::istream& in);

// Why `user add NAME SECRET` is refused: the secret would be in ps and shell history.
std::string secret_in_argv_message(std::string_view access_key);

// GET users: a table of access key, creation time (UTC) and whether it is the admin.
std::string render_users(const Json& users);

// PUT users: the key pair, in the lines `silt server` prints its development pair with,
// so scripts read one format: "access key: K\nsecret key: S\n".
std::string render_added_user(const Json& added);

}  // namespace silt::admin
