// Which environment variables name the root user: silt's, then MinIO's current, then MinIO's old.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "cmd/root_credentials.h"

using silt::choose_root_credentials;

namespace {
auto from(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}
}  // namespace

TEST_CASE("nothing set: no root pair, so the development pair applies") {
  auto c = choose_root_credentials(from({}));
  REQUIRE(c);
  CHECK_FALSE(c->has_value());
  // Empty values count as unset (a compose file's `MINIO_ROOT_USER: ${X:-}`).
  c = choose_root_credentials(from({{"MINIO_ROOT_USER", ""}, {"MINIO_ROOT_PASSWORD", ""}}));
  REQUIRE(c);
  CHECK_FALSE(c->has_value());
}

TEST_CASE("SILT_ROOT_* win over every MinIO name") {
  auto c = choose_root_credentials(from({{"SILT_ROOT_USER", "silt-admin"},
                                         {"SILT_ROOT_PASSWORD", "silt-secret"},
                                         {"MINIO_ROOT_USER", "minio-admin"},
                                         {"MINIO_ROOT_PASSWORD", "minio-secret"},
                                         {"MINIO_ACCESS_KEY", "old"},
                                         {"MINIO_SECRET_KEY", "old-secret"}}));
  REQUIRE(c);
  REQUIRE(c->has_value());
  CHECK((*c)->user == "silt-admin");
  CHECK((*c)->password == "silt-secret");
  CHECK((*c)->source == "SILT_ROOT_USER/SILT_ROOT_PASSWORD");
}

TEST_CASE("MINIO_ROOT_* when SILT_ROOT_* are absent, before MINIO_ACCESS_KEY/MINIO_SECRET_KEY") {
  auto c = choose_root_credentials(from({{"MINIO_ROOT_USER", "minio-admin"},
                                         {"MINIO_ROOT_PASSWORD", "minio-secret"},
                                         {"MINIO_ACCESS_KEY", "old"},
                                         {"MINIO_SECRET_KEY", "old-secret"}}));
  REQUIRE(c);
  REQUIRE(c->has_value());
  CHECK((*c)->user == "minio-admin");
  CHECK((*c)->password == "minio-secret");
  CHECK((*c)->source == "MINIO_ROOT_USER/MINIO_ROOT_PASSWORD");
}

TEST_CASE("MINIO_ACCESS_KEY/MINIO_SECRET_KEY last") {
  auto c = choose_root_credentials(from({{"MINIO_ACCESS_KEY", "old"}, {"MINIO_SECRET_KEY", "old-secret"}}));
  REQUIRE(c);
  REQUIRE(c->has_value());
  CHECK((*c)->user == "old");
  CHECK((*c)->password == "old-secret");
  CHECK((*c)->source == "MINIO_ACCESS_KEY/MINIO_SECRET_KEY");
}

TEST_CASE("a half-set pair is an error, not a fallback to the development pair") {
  auto c = choose_root_credentials(from({{"MINIO_ROOT_USER", "minio-admin"}}));
  REQUIRE_FALSE(c);
  CHECK(c.error().message == "MINIO_ROOT_USER is set but MINIO_ROOT_PASSWORD is not: set both, or neither");
  c = choose_root_credentials(
      from({{"SILT_ROOT_PASSWORD", "x"}, {"MINIO_ROOT_USER", "a"}, {"MINIO_ROOT_PASSWORD", "b"}}));
  REQUIRE_FALSE(c);
  CHECK(c.error().message == "SILT_ROOT_PASSWORD is set but SILT_ROOT_USER is not: set both, or neither");
  // A complete earlier pair makes later half pairs irrelevant.
  c = choose_root_credentials(from({{"SILT_ROOT_USER", "a"}, {"SILT_ROOT_PASSWORD", "b"}, {"MINIO_ACCESS_KEY", "c"}}));
  REQUIRE(c);
  CHECK((*c)->user == "a");
}

TEST_CASE("a root password shorter than 8 characters is refused, naming its variable (MinIO's rule)") {
  using silt::check_root_password;
  auto c = choose_root_credentials(from({{"SILT_ROOT_USER", "admin"}, {"SILT_ROOT_PASSWORD", "1234567"}}));
  REQUIRE(c);
  auto st = check_root_password(**c);
  REQUIRE_FALSE(st);
  CHECK(st.error().message ==
        "SILT_ROOT_PASSWORD must be at least 8 characters long (it has 7): choose a longer root password");
  c = choose_root_credentials(from({{"MINIO_ACCESS_KEY", "old"}, {"MINIO_SECRET_KEY", "short"}}));
  REQUIRE(c);
  CHECK(check_root_password(**c).error().message.rfind("MINIO_SECRET_KEY must be at least 8", 0) == 0);
  c = choose_root_credentials(from({{"MINIO_ROOT_USER", "admin"}, {"MINIO_ROOT_PASSWORD", "12345678"}}));
  REQUIRE(c);
  CHECK(check_root_password(**c));
}
