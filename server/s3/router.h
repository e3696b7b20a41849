// The endpoint table: every request silt answers is one row of router.cpp, as in Garage's
// `Endpoint` enum. A row names the operation (the metrics' and access log's label), how its
// requests are authenticated, the IAM action a bucket policy names it by, and the function
// that answers it; Session::dispatch (server/http/session.cpp) routes, authenticates as the
// row says, authorizes and calls that function. The rows are the S3 operations, POST Object,
// CORS preflight, and silt's own endpoints: health probes, metrics, the web console and each
// admin API call.
#pragma once

#include <string_view>
#include <vector>

#include "server/ops/admin.h"
#include "server/ops/own_context.h"
#include "server/s3/handler.h"

namespace silt::server {

// Who may send the request, and who checks.
enum class Auth {
  Signed,          // SigV4/SigV2, header or presigned, checked by the session; unsigned is the
                   // anonymous principal, whom authorize() admits by the bucket's policy or ACL
  FormPolicy,      // POST Object: the policy signed inside the form, checked by the handler
  None,            // no credentials: health probes; CORS preflight (the bucket's CORS rules decide)
  MetricsToken,    // open, or with --metrics-token "Authorization: Bearer TOKEN", checked by the session
  AdminSigned,     // signed as for Signed, by the admin user only, checked by the session
  ConsoleSession,  // the console's sign-in cookie, checked by the console (its sign-in call takes none)
};

// "none" in IamAction::action: no IAM action governs the endpoint (it is not an S3 operation).
inline constexpr std::string_view kNoIamAction = "none";

// The action a bucket policy names the operation by ("Actions, resources, and condition keys
// for Amazon S3"); auth/access.h decides on it.
struct IamAction {
  std::string_view action;     // "s3:GetObject", or kNoIamAction; never empty
  std::string_view versioned;  // with a non-empty ?versionId= ("s3:GetObjectVersion"); empty: action
  bool object = false;         // the resource is bucket/key, not the bucket
};

// The function that answers an endpoint: one of three shapes, by what it needs.
struct EndpointHandler {
  constexpr EndpointHandler(Handler h) : s3(h) {}
  constexpr EndpointHandler(OwnHandler h) : own(h) {}
  constexpr EndpointHandler(AdminHandler h) : admin(h) {}
  Handler s3 = nullptr;          // S3 rows: the parsed request, its identity and body
  OwnHandler own = nullptr;      // health, metrics, console: the request head and raw body
  AdminHandler admin = nullptr;  // admin API calls: blocking, the body read whole
};

struct Endpoint {
  std::string_view operation;  // label in metrics and the access log ("GetObject", "Health")
  Auth auth;
  IamAction iam;
  EndpointHandler handler;
};

// The IAM action of a routed S3 request: the versioned one when it names a version.
std::string_view iam_action(const Endpoint& e, const S3Request& req);

// silt's own endpoints, matched by path before a request is parsed as S3; null when target
// addresses S3. console: the web console is served (its paths are S3's otherwise).
const Endpoint* route_own(http::verb method, std::string_view target, bool console = true);

// An S3 request's row. endpoint null: no row matches, and error is NotImplemented for S3
// operations silt does not serve (so no client ever gets a wrong 200) or MethodNotAllowed
// for nonsense. endpoint set with an error: a signed operation's header asks for a feature
// silt lacks (server/s3/unsupported_headers.h); the request is refused with that error, yet
// counted under its operation.
struct Routed {
  const Endpoint* endpoint = nullptr;
  s3::Status error;
};
Routed route(const S3Request& req);

// Every row, in the order they are tried.
std::vector<const Endpoint*> endpoints();

// Every operation label of the table, once each (the metrics' label values).
std::vector<std::string_view> operation_names();

}  // namespace silt::server
