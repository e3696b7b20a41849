#include "auth/acl.h"

#include <algorithm>

namespace silt::auth {

namespace {

constexpr std::string_view kGrantsPrefix = "grants\n";

constexpr std::pair<Permission, std::string_view> kPermissions[] = {{Permission::Read, "READ"},
                                                                    {Permission::Write, "WRITE"},
                                                                    {Permission::ReadAcp, "READ_ACP"},
                                                                    {Permission::WriteAcp, "WRITE_ACP"},
                                                                    {Permission::FullControl, "FULL_CONTROL"}};

// The permission each x-amz-grant-* header gives, in kGrantHeaders' order.
constexpr Permission kHeaderPermissions[] = {Permission::Read, Permission::Write, Permission::ReadAcp,
                                             Permission::WriteAcp, Permission::FullControl};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return (x | 0x20) == (y | 0x20); });
}

s3::Error invalid_grant(std::string_view value) {
  return s3::Error(s3::Code::InvalidArgument, "Invalid grant: " + std::string(value.substr(0, 256)));
}

}  // namespace

s3::Error too_many_grants() {
  // AWS's answer to a 101st grant: the schema error, whatever form the grants came in.
  return s3::Error(s3::Code::MalformedACLError,
                   "The XML you provided was not well-formed or did not validate against our published schema");
}

namespace {

Grant user(std::string_view id, Permission p) {
  return {false, std::string(id), p};
}
Grant group(std::string_view uri, Permission p) {
  return {true, std::string(uri), p};
}

}  // namespace

std::optional<Permission> permission_from(std::string_view name) {
  for (auto [p, n] : kPermissions)
    if (n == name) return p;
  return std::nullopt;
}

std::string_view permission_name(Permission p) {
  for (auto [q, n] : kPermissions)
    if (q == p) return n;
  return "FULL_CONTROL";
}

bool is_group_uri(std::string_view uri) {
  return uri == kAllUsersUri || uri == kAuthenticatedUsersUri || uri == kLogDeliveryUri;
}

bool is_canned_acl(std::string_view v) {
  return v == "private" || v == "public-read" || v == "public-read-write" || v == "authenticated-read" ||
         v == "aws-exec-read" || v == "bucket-owner-read" || v == "bucket-owner-full-control" ||
         v == "log-delivery-write";
}

Grants canned_grants(std::string_view name, std::string_view owner_id) {
  Grants g{user(owner_id, Permission::FullControl)};
  if (name == "public-read" || name == "public-read-write") g.push_back(group(kAllUsersUri, Permission::Read));
  if (name == "public-read-write") g.push_back(group(kAllUsersUri, Permission::Write));
  if (name == "authenticated-read") g.push_back(group(kAuthenticatedUsersUri, Permission::Read));
  if (name == "log-delivery-write") {
    g.push_back(group(kLogDeliveryUri, Permission::Write));
    g.push_back(group(kLogDeliveryUri, Permission::ReadAcp));
  }
  return g;
}

std::string stored_canned(std::string_view name) {
  if (name == "public-read" || name == "public-read-write" || name == "authenticated-read" ||
      name == "log-delivery-write")
    return std::string(name);
  return {};
}

std::string encode_grants(const Grants& grants, std::string_view owner_id) {
  if (grants.empty() || (grants.size() == 1 && grants[0] == user(owner_id, Permission::FullControl))) return {};
  std::string out(kGrantsPrefix);
  for (const auto& g : grants) {
    out += permission_name(g.permission);
    out += g.group ? " uri " : " id ";
    out += g.grantee;
    out += '\n';
  }
  return out;
}

Grants decode_acl(std::string_view stored, std::string_view owner_id) {
  if (stored.rfind(kGrantsPrefix, 0) != 0) return canned_grants(is_canned_acl(stored) ? stored : "private", owner_id);
  stored.remove_prefix(kGrantsPrefix.size());
  Grants out;
  while (!stored.empty()) {
    size_t end = stored.find('\n');
    std::string_view line = stored.substr(0, end);
    stored.remove_prefix(end == std::string_view::npos ? stored.size() : end + 1);
    size_t a = line.find(' ');
    size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
    if (b == std::string_view::npos) continue;
    auto p = permission_from(line.substr(0, a));
    std::string_view kind = line.substr(a + 1, b - a - 1);
    if (!p || (kind != "id" && kind != "uri")) continue;
    out.push_back({kind == "uri", std::string(line.substr(b + 1)), *p});
  }
  return out;
}

bool is_public(const Grants& grants) {
  return std::any_of(grants.begin(), grants.end(), [](const Grant& g) {
    return g.group && (g.grantee == kAllUsersUri || g.grantee == kAuthenticatedUsersUri);
  });
}

bool is_public_acl(std::string_view stored) {
  return is_public(decode_acl(stored, ""));
}

s3::Result<Grants> parse_grant_headers(const std::vector<std::pair<std::string_view, std::string_view>>& headers) {
  Grants out;
  for (const auto& [name, value] : headers) {
    auto it = std::find(std::begin(kGrantHeaders), std::end(kGrantHeaders), name);
    if (it == std::end(kGrantHeaders)) return s3::Error(s3::Code::InvalidArgument, "Unknown grant header");
    const Permission p = kHeaderPermissions[it - std::begin(kGrantHeaders)];
    std::string_view rest = value;
    while (true) {
      size_t comma = rest.find(',');
      std::string_view item = trim(rest.substr(0, comma));
      size_t eq = item.find('=');
      if (eq == std::string_view::npos) return invalid_grant(value);
      std::string_view kind = trim(item.substr(0, eq));
      std::string_view v = trim(item.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      if (v.empty()) return invalid_grant(value);
      if (iequals(kind, "emailAddress"))
        return s3::Error(s3::Code::UnresolvableGrantByEmailAddress,
                         "The e-mail address you provided does not match any account on record.");
      if (iequals(kind, "id")) {
        out.push_back(user(v, p));
      } else if (iequals(kind, "uri")) {
        if (!is_group_uri(v)) return invalid_grant(value);
        out.push_back(group(v, p));
      } else {
        return invalid_grant(value);
      }
      if (out.size() > kMaxGrants) return too_many_grants();
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

bool grants_permission(const Grants& grants, const Grantee& who, Permission needed, bool ignore_public) {
  for (const auto& g : grants) {
    if (g.permission != needed && g.permission != Permission::FullControl) continue;
    if (!g.group) {
      if (!who.anonymous && !g.grantee.empty() && g.grantee == who.canonical_id) return true;
    } else if (!ignore_public) {
      if (g.grantee == kAllUsersUri) return true;
      if (g.grantee == kAuthenticatedUsersUri && !who.anonymous) return true;
    }
  }
  return false;
}

std::optional<AclNeed> acl_need(std::string_view a) {
  if (a == "s3:ListBucket" || a == "s3:ListBucketVersions" || a == "s3:ListBucketMultipartUploads")
    return AclNeed{false, Permission::Read};
  if (a == "s3:PutObject" || a == "s3:DeleteObject" || a == "s3:DeleteObjectVersion" ||
      a == "s3:AbortMultipartUpload" || a == "s3:ListMultipartUploadParts")
    return AclNeed{false, Permission::Write};
  if (a == "s3:GetBucketAcl") return AclNeed{false, Permission::ReadAcp};
  if (a == "s3:PutBucketAcl") return AclNeed{false, Permission::WriteAcp};
  if (a == "s3:GetObject" || a == "s3:GetObjectVersion") return AclNeed{true, Permission::Read};
  if (a == "s3:GetObjectAcl" || a == "s3:GetObjectVersionAcl") return AclNeed{true, Permission::ReadAcp};
  if (a == "s3:PutObjectAcl" || a == "s3:PutObjectVersionAcl") return AclNeed{true, Permission::WriteAcp};
  return std::nullopt;
}

}  // namespace silt::auth
