// `silt admin user ...`: the body it sends and what it prints of the answers.
#include <catch2/catch.hpp>
#include <sstream>

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

TEST_CASE("user add --secret-stdin takes the first line of its input, without the line end") {
  std::istringstream unix_line("s3cret-from-stdin\nignored\n"), windows_line("typed-secret\r\n"), bare("no-newline");
  CHECK(secret_from_input(unix_line) == "s3cret-from-stdin");
  CHECK(secret_from_input(windows_line) == "typed-secret");
  CHECK(secret_from_input(bare) == "no-newline");
  std::istringstream empty(""), blank("\n");
  CHECK_FALSE(secret_from_input(empty));
  CHECK_FALSE(secret_from_input(blank));
  // Bytes that are not UTF-8 still make a body (the server refuses them), never an exception.
  CHECK_NOTHROW(user_add_body("bad\xff"));
}

TEST_CASE("user add NAME SECRET is refused with the way to give a secret instead") {
  const std::string m = secret_in_argv_message("bob");
  CHECK(m.find("ps") != std::string::npos);
  CHECK(m.find("silt admin user add bob --secret-stdin") != std::string::npos);
}
