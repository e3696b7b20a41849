// DeleteObject and DeleteObjects.
#include "server/blocking.h"
#include "server/handlers/handlers.h"

namespace silt::server::handlers {

namespace {
constexpr size_t kMaxDeleteKeys = 1000;
constexpr size_t kMaxDeleteBody = 2 << 20;

s3::Error malformed() {
  return s3::Error(s3::Code::MalformedXML,
                   "The XML you provided was not well-formed or did not validate against our published schema.");
}
}  // namespace

awaitable<Result> delete_object(RequestContext& ctx) {
  auto st = co_await run_blocking(ctx.svc.blocking,
                                  [&] { return ctx.svc.objects.delete_object(ctx.req.bucket, ctx.req.key); });
  if (!st) co_return st.error();
  co_return empty_response(204);
}

awaitable<Result> delete_objects(RequestContext& ctx) {
  auto body = co_await ctx.body.read_all(kMaxDeleteBody);
  if (!body) co_return body.error();
  pugi::xml_document in;
  // Character references (&#xD; from botocore) are decoded by pugixml's default parse.
  if (!in.load_buffer(body->data(), body->size())) co_return malformed();
  auto del = in.child("Delete");
  if (!del) co_return malformed();
  bool quiet = std::string_view(del.child_value("Quiet")) == "true";
  std::vector<std::string> keys;
  for (auto obj : del.children("Object")) {
    auto key = obj.child("Key");
    if (!key) co_return malformed();
    keys.emplace_back(key.child_value());
  }
  if (keys.empty() || keys.size() > kMaxDeleteKeys) co_return malformed();

  std::vector<s3::Status> results;
  results.reserve(keys.size());
  co_await run_blocking(ctx.svc.blocking, [&] {
    for (const auto& k : keys) results.push_back(ctx.svc.objects.delete_object(ctx.req.bucket, k));
  });
  // A missing bucket fails the whole request, as S3 does.
  for (const auto& r : results)
    if (!r && r.error().code == s3::Code::NoSuchBucket) co_return r.error();

  pugi::xml_document doc;
  auto root = new_s3_document(doc, "DeleteResult");
  for (size_t i = 0; i < keys.size(); i++) {
    if (results[i]) {
      if (quiet) continue;
      add_text(root.append_child("Deleted"), "Key", keys[i]);
    } else {
      auto err = root.append_child("Error");
      add_text(err, "Key", keys[i]);
      add_text(err, "Code", s3::code_name(results[i].error().code));
      add_text(err, "Message", results[i].error().message);
    }
  }
  co_return xml_response(to_string(doc));
}

}  // namespace silt::server::handlers
