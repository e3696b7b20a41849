// `silt admin user ...`: the body it sends and what it prints of the answers.
#include <catch2/catch.hpp>

#include "cmd/admin_users.h"

using namespace silt::admin;

TEST_CASE("user add sends the secret as JSON, or nothing so the server generates one") {
  CHECK(user_add_body("").empty());
  CHECK(Json::parse(user_add_body("s3cret-\"quoted\"")) == Json{{"secretKey", "s3cret-\"quoted\""}});
}

TEST_CASE("user list renders a table with the admin marked and creation times in UTC") {
  Json users = Json::parse(R"({"users":[
    {"accessKey":"siltadmin","created":0,"admin":true},
    {"accessKey":"alice","created":1795321815000,"admin":false},
    {"accessKey":"bob"}]})");
  CHECK(render_users(users) ==
        "ACCESS KEY  CREATED                   ADMIN\n"
        "siltadmin   -                         yes\n"
        "alice       2026-11-22T04:30:15.000Z  no\n"
        "bob         -                         no\n");
  CHECK(render_users(Json::object()) == "ACCESS KEY  CREATED  ADMIN\n");
}

TEST_CASE("user add prints the pair in the lines silt server prints its own with") {
  CHECK(render_added_user(Json{{"accessKey", "alice"}, {"secretKey", "S"}}) == "access key: alice\nsecret key: S\n");
}
