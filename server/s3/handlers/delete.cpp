// DeleteObject and DeleteObjects.
#include "server/http/blocking.h"
#include "server/s3/access_check.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/handlers/object_headers.h"
#include "server/s3/handlers/object_lock.h"
#include "server/s3/handlers/request_xml.h"
#include "util/http_field.h"

namespace silt::server::handlers {

namespace {
constexpr size_t kMaxDeleteKeys = 1000;
constexpr size_t kMaxDeleteBody = 2 << 20;
}  // namespace

awaitable<Result> delete_object(RequestContext& ctx) {
  const std::string* version = ctx.req.query_value("versionId");
  // An unknown id is answered back in x-amz-version-id, so it must be one a header can carry.
  if (version && !is_field_value(*version))
    co_return s3::Error(s3::Code::InvalidArgument, "Invalid version id specified").with("ArgumentName", "versionId");
  auto cond = delete_conditions(ctx.req);
  if (!cond) co_return cond.error();
  cond->bypass_governance = co_await governance_bypass(ctx);
  auto out = co_await run_blocking(ctx.svc.blocking, [&] {
    const std::string v = version ? *version : std::string();
    if (!cond->empty() || cond->bypass_governance)
      return ctx.svc.objects.delete_object_if(ctx.req.bucket, ctx.req.key, v, *cond);
    return ctx.svc.objects.delete_object(ctx.req.bucket, ctx.req.key, v);
  });
  if (!out) co_return out.error();
  Response r = empty_response(204);
  if (out->delete_marker) r.add("x-amz-delete-marker", "true");
  if (!out->version_id.empty()) r.add("x-amz-version-id", out->version_id);
  co_return r;
}

awaitable<Result> delete_objects(RequestContext& ctx) {
  auto body = co_await ctx.body.read_all(kMaxDeleteBody);
  if (!body) co_return body.error();
  auto parsed = parse_delete_objects(*body, kMaxDeleteKeys);
  if (!parsed) co_return parsed.error();
  const bool quiet = parsed->quiet;
  const auto& targets = parsed->targets;

  // Each key is its own s3:DeleteObject(Version) decision, as on AWS; refused keys are
  // reported as AccessDenied errors in the result.
  std::vector<std::pair<std::string, std::string>> keys;
  keys.reserve(targets.size());
  for (const auto& t : targets) keys.emplace_back(t.key, t.version_id);
  auto verdicts = co_await authorize_keys(ctx.svc, ctx.identity, ctx.req, keys);
  if (!verdicts) co_return verdicts.error();
  const bool bypass = co_await governance_bypass(ctx);
  std::vector<s3::Result<DeleteOutcome>> results;
  results.reserve(targets.size());
  co_await run_blocking(ctx.svc.blocking, [&] {
    for (size_t i = 0; i < targets.size(); ++i) {
      if (!(*verdicts)[i]) {
        results.push_back((*verdicts)[i].error());
        continue;
      }
      DeleteConditions cond = targets[i].cond;
      cond.bypass_governance = bypass;
      const DeleteTarget& t = targets[i];
      results.push_back(cond.empty() && !cond.bypass_governance
                            ? ctx.svc.objects.delete_object(ctx.req.bucket, t.key, t.version_id)
                            : ctx.svc.objects.delete_object_if(ctx.req.bucket, t.key, t.version_id, cond));
    }
  });
  // A missing bucket fails the whole request, as S3 does.
  for (const auto& r : results)
    if (!r && r.error().code == s3::Code::NoSuchBucket) co_return r.error();

  pugi::xml_document doc;
  auto root = new_s3_document(doc, "DeleteResult");
  for (size_t i = 0; i < targets.size(); i++) {
    const auto& r = results[i];
    if (!r) {
      auto err = root.append_child("Error");
      add_text(err, "Key", targets[i].key);
      if (!targets[i].version_id.empty()) add_text(err, "VersionId", targets[i].version_id);
      add_text(err, "Code", s3::code_name(r.error().code));
      add_text(err, "Message", r.error().message);
      continue;
    }
    if (quiet) continue;
    auto d = root.append_child("Deleted");
    add_text(d, "Key", targets[i].key);
    if (!targets[i].version_id.empty()) add_text(d, "VersionId", targets[i].version_id);
    if (r->delete_marker) {
      add_text(d, "DeleteMarker", "true");
      if (targets[i].version_id.empty()) add_text(d, "DeleteMarkerVersionId", r->version_id);
    }
  }
  co_return xml_response(to_string(doc));
}

}  // namespace silt::server::handlers
