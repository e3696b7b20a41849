// CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload,
// AbortMultipartUpload, ListParts, ListMultipartUploads.
#include <algorithm>
#include <charconv>

#include "crypto/object_cipher.h"
#include "server/http/blocking.h"
#include "server/s3/handlers/copy_source.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/handlers/object_headers.h"
#include "server/s3/handlers/object_lock.h"
#include "server/s3/handlers/owner.h"
#include "server/s3/handlers/range.h"
#include "server/s3/handlers/request_xml.h"
#include "server/s3/handlers/upload_body.h"
#include "server/s3/sse.h"
#include "util/checksum.h"
#include "util/hash.h"
#include "util/strings.h"
#include "util/time.h"
#include "util/uri.h"

namespace silt::server::handlers {

namespace {
constexpr int kMaxList = 1000;
constexpr size_t kMaxCompleteBody = 4 << 20;  // 10,000 parts with checksums fit easily

s3::Result<int> int_param(const S3Request& req, std::string_view name, int fallback, int lo, int hi) {
  const std::string* v = req.query_value(name);
  if (!v) return fallback;
  int n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec == std::errc::result_out_of_range && !v->empty() && (*v)[0] != '-') return hi;
  if (ec != std::errc() || p != v->data() + v->size() || n < lo)
    return s3::Error(s3::Code::InvalidArgument, "Argument " + std::string(name) + " must be an integer between " +
                                                    std::to_string(lo) + " and " + std::to_string(hi));
  return std::min(n, hi);
}

s3::Result<int> part_number(const S3Request& req) {
  const std::string* v = req.query_value("partNumber");
  if (!v) return s3::Error(s3::Code::InvalidArgument, "partNumber is required");
  auto n = int_param(req, "partNumber", 0, 1, kMaxPartNumber + 1);
  if (!n || *n > kMaxPartNumber)
    return s3::Error(s3::Code::InvalidArgument, "Part number must be an integer between 1 and 10000, inclusive");
  return n;
}

const std::string& upload_id(const S3Request& req) {
  return *req.query_value("uploadId");
}

void add_checksum_elements(pugi::xml_node node, const std::vector<std::pair<std::string, std::string>>& sums) {
  for (const auto& [algo, value] : sums) add_text(node, ("Checksum" + algo).c_str(), value);
}

std::string storage_class(const ObjectMeta& m) {
  return m.storage_class.empty() ? "STANDARD" : m.storage_class;
}

// What the Complete request claims about the object (x-amz-checksum-<algo>,
// x-amz-checksum-type, x-amz-mp-object-size), for the object layer to check against the
// parts it commits. A size that is no number: InvalidArgument, as AWS.
s3::Result<CompleteClaims> complete_claims(const S3Request& req) {
  CompleteClaims claims;
  claims.checksum_type = std::string(req.header_value("x-amz-checksum-type"));
  for (ChecksumAlgo a :
       {ChecksumAlgo::CRC32, ChecksumAlgo::CRC32C, ChecksumAlgo::CRC64NVME, ChecksumAlgo::SHA1, ChecksumAlgo::SHA256})
    if (auto value = req.header_value(checksum_header_name(a)); !value.empty())
      claims.checksums.emplace_back(std::string(checksum_algo_name(a)), std::string(value));
  if (req.has_header("x-amz-mp-object-size")) {
    auto text = req.header_value("x-amz-mp-object-size");
    uint64_t size = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), size);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty())
      return s3::Error(s3::Code::InvalidArgument, "Value for x-amz-mp-object-size header is invalid.")
          .with("ArgumentName", "x-amz-mp-object-size");
    claims.object_size = size;
  }
  return claims;
}

// The ETag the listed parts make: hex(md5(concat(binary part md5s)))-N; empty when a
// listed ETag is no MD5 (then no object can have been made from that list).
std::string multipart_etag(const std::vector<CompletedPart>& listed) {
  Digest md5s(Digest::Kind::MD5);
  for (const auto& part : listed) {
    std::string plain, raw;
    for (char c : part.etag)
      if (c != '"') plain.push_back(ascii_lower(c));
    if (plain.size() != 32 || !hex_decode(plain, raw)) return {};
    md5s.update(raw);
  }
  return hex_encode(md5s.finish()) + "-" + std::to_string(listed.size());
}

// A CompleteMultipartUpload repeated after the upload completed (clients retry it after
// a timeout) gets the first answer, as from AWS: the key's current version must be the
// one this upload made (its recorded upload id; records older than that field: a
// multipart version) with the ETag the listed parts make and the size claimed, if one
// is. Anything else: NoSuchUpload.
awaitable<s3::Result<ObjectInfo>> completed_before(RequestContext& ctx, const std::vector<CompletedPart>& listed,
                                                   const CompleteClaims& claims, s3::Error no_such_upload) {
  const auto& req = ctx.req;
  auto cur = co_await run_blocking(ctx.svc.blocking, [&] { return ctx.svc.objects.stat_object(req.bucket, req.key); });
  if (!cur) co_return no_such_upload;
  cur = crypto::plain_view(std::move(*cur));
  const bool same_upload = cur->upload_id.empty() ? !cur->parts.empty() : cur->upload_id == upload_id(req);
  if (!same_upload || listed.empty() || cur->etag != multipart_etag(listed)) co_return no_such_upload;
  if (claims.object_size && *claims.object_size != cur->size) co_return no_such_upload;
  co_return std::move(*cur);
}
// A writer for part `number` of the request's upload, encrypting as the upload was created
// (an SSE-C upload's key must come with the request); sse and key say how, for the answer's
// headers. Blocking.
s3::Result<std::unique_ptr<ObjectWriter>> part_writer(RequestContext& ctx, int number, ObjectSse& sse,
                                                      s3::Result<DataKey>& key) {
  const auto& req = ctx.req;
  auto up = ctx.svc.objects.get_upload(req.bucket, req.key, upload_id(req));
  if (!up) return up.error();
  // The completed object gets the upload's lock, so each part's body is checked as a locked PutObject's.
  if (auto st = check_locked_put_integrity(req, up->meta.lock, "Put Part"); !st) return st.error();
  sse = up->meta.sse;
  key = data_key_for(sse, req, *ctx.svc.keys);
  if (!key) return key.error();
  auto w = ctx.svc.objects.create_part(req.bucket, req.key, upload_id(req), number);
  if (!w) return w.error();
  return encrypt_writes(std::move(*w), sse, key->key, number);
}
}  // namespace

awaitable<Result> create_multipart_upload(RequestContext& ctx) {
  const auto& req = ctx.req;
  auto meta = meta_from_request(req);
  if (!meta) co_return meta.error();
  if (auto type = req.header_value("x-amz-checksum-type"); !type.empty()) {
    if (type != "COMPOSITE" && type != "FULL_OBJECT")
      co_return s3::Error(s3::Code::InvalidArgument, "Value for x-amz-checksum-type header is invalid.");
    meta->checksum_type = std::string(type);
  }
  s3::Result<SseChoice> sse = SseChoice{};
  auto up = co_await run_blocking(ctx.svc.blocking, [&]() -> s3::Result<UploadInfo> {
    // The completed object gets the lock the upload was created with (object_lock.h).
    auto lock = lock_for_new_version(ctx.svc.objects, req);
    if (!lock) return lock.error();
    meta->lock = *lock;
    sse = choose_sse(req, *ctx.svc.keys, ctx.svc.objects, meta->storage_class);
    if (!sse) return sse.error();
    // The upload's data key, sealed, travels in its meta: every part is encrypted with it.
    meta->sse = sse->sse;
    meta->writer = ctx.identity.user;
    return ctx.svc.objects.create_upload(req.bucket, req.key, *meta);
  });
  if (!up) co_return up.error();
  pugi::xml_document doc;
  auto root = new_s3_document(doc, "InitiateMultipartUploadResult");
  add_text(root, "Bucket", req.bucket);
  add_text(root, "Key", req.key);
  add_text(root, "UploadId", up->upload_id);
  Response r = xml_response(to_string(doc));
  if (auto algo = req.header_value("x-amz-checksum-algorithm"); !algo.empty())
    r.add("x-amz-checksum-algorithm", std::string(algo));
  if (!meta->checksum_type.empty()) r.add("x-amz-checksum-type", meta->checksum_type);
  add_sse_headers(r, meta->sse, sse->customer_key_md5, ctx.svc.config.region);
  add_sse_context_header(r, meta->sse);
  co_return r;
}

awaitable<Result> upload_part(RequestContext& ctx) {
  const auto& req = ctx.req;
  auto number = part_number(req);
  if (!number) co_return number.error();
  auto expected = ctx.body.expected_length();
  if (expected && *expected > ctx.svc.config.max_object_size)
    co_return s3::Error(s3::Code::EntityTooLarge, "Your proposed upload exceeds the maximum allowed object size.");
  s3::Result<DataKey> key = DataKey{};
  ObjectSse sse;
  auto writer = co_await run_blocking(ctx.svc.blocking, [&] { return part_writer(ctx, *number, sse, key); });
  if (!writer) co_return writer.error();
  ObjectWriter& w = **writer;
  auto st = co_await stream_body(ctx, w);
  if (st) st = check_content_md5(req, w);
  s3::Result<ObjectInfo> info = s3::Error();
  if (st) {
    ObjectMeta meta;
    meta.checksums = ctx.body.verified_checksums();
    info = co_await run_blocking(ctx.svc.blocking, [&] { return w.commit(meta); });
  }
  co_await run_blocking(ctx.svc.blocking, [&] { writer->reset(); });
  if (!st) co_return st.error();
  if (!info) co_return info.error();
  Response r;
  r.add("ETag", quoted_etag(info->etag));
  add_checksum_headers(r, *info);
  add_sse_headers(r, sse, key->customer_key_md5, ctx.svc.config.region);
  co_return r;
}

awaitable<Result> upload_part_copy(RequestContext& ctx) {
  const auto& req = ctx.req;
  auto number = part_number(req);
  if (!number) co_return number.error();
  auto source = parse_copy_source(req.header_value("x-amz-copy-source"));
  if (!source) co_return source.error();
  auto src = co_await run_blocking(
      ctx.svc.blocking, [&] { return ctx.svc.objects.stat_object(source->bucket, source->key, source->version_id); });
  if (!src) co_return src.error();
  auto src_key = data_key_for(src->meta.sse, req, *ctx.svc.keys, kCopySourceSseCHeaders);
  if (!src_key) co_return src_key.error();
  if (auto st = check_conditions(req, *src, "x-amz-copy-source-"); !st) co_return st.error();
  const uint64_t src_size = crypto::plain_view(*src).size;

  uint64_t offset = 0, length = src_size;
  if (auto h = req.header_value("x-amz-copy-source-range"); !h.empty()) {
    auto range = parse_copy_range(h, src_size);
    if (!range) co_return range.error();
    offset = range->offset;
    length = range->length;
  }
  if (length > ctx.svc.config.max_object_size)
    co_return s3::Error(
        s3::Code::InvalidRequest,
        "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120");

  s3::Result<DataKey> key = DataKey{};
  ObjectSse sse;
  auto info = co_await run_blocking(ctx.svc.blocking, [&]() -> s3::Result<ObjectInfo> {
    auto w = part_writer(ctx, *number, sse, key);
    if (!w) return w.error();
    if (auto st = copy_range(ctx.svc.objects, *src, src_key->key, offset, length, **w); !st) return st.error();
    return (*w)->commit(ObjectMeta{});
  });
  if (!info) co_return info.error();
  pugi::xml_document doc;
  auto root = new_s3_document(doc, "CopyPartResult");
  add_text(root, "LastModified", iso8601_ms(info->mtime_ms));
  add_text(root, "ETag", quoted_etag(info->etag));
  Response r = xml_response(to_string(doc));
  if (src->version_id != "null") r.add("x-amz-copy-source-version-id", src->version_id);
  add_sse_headers(r, sse, key->customer_key_md5, ctx.svc.config.region);
  co_return r;
}

awaitable<Result> complete_multipart_upload(RequestContext& ctx) {
  const auto& req = ctx.req;
  auto cond = write_conditions(req);
  if (!cond) co_return cond.error();
  auto body = co_await ctx.body.read_all(kMaxCompleteBody);
  if (!body) co_return body.error();
  auto parts = parse_complete_multipart(*body);
  if (!parts) co_return parts.error();
  auto claims = complete_claims(req);
  if (!claims) co_return claims.error();
  auto info = co_await run_blocking(ctx.svc.blocking, [&] {
    return ctx.svc.objects.complete_upload(req.bucket, req.key, upload_id(req), *parts, *cond, *claims);
  });
  if (!info && info.error().code == s3::Code::NoSuchUpload)
    info = co_await completed_before(ctx, *parts, *claims, std::move(info.error()));
  if (!info) co_return info.error();
  pugi::xml_document doc;
  auto root = new_s3_document(doc, "CompleteMultipartUploadResult");
  add_text(root, "Location", object_url(req));
  add_text(root, "Bucket", req.bucket);
  add_text(root, "Key", req.key);
  add_text(root, "ETag", quoted_etag(info->etag));
  add_checksum_elements(root, info->meta.checksums);
  if (!info->meta.checksum_type.empty()) add_text(root, "ChecksumType", info->meta.checksum_type);
  Response r = xml_response(to_string(doc));
  add_version_header(r, *info);
  // SSE-C: echoed only to a request that carried the key (and then a right one).
  if (auto key = data_key_for(info->meta.sse, req, *ctx.svc.keys); key)
    add_sse_headers(r, info->meta.sse, key->customer_key_md5, ctx.svc.config.region);
  co_return r;
}

awaitable<Result> abort_multipart_upload(RequestContext& ctx) {
  const auto& req = ctx.req;
  auto st = co_await run_blocking(ctx.svc.blocking,
                                  [&] { return ctx.svc.objects.abort_upload(req.bucket, req.key, upload_id(req)); });
  if (!st) co_return st.error();
  co_return empty_response(204);
}

awaitable<Result> list_parts(RequestContext& ctx) {
  const auto& req = ctx.req;
  auto marker = int_param(req, "part-number-marker", 0, 0, kMaxPartNumber);
  if (!marker) co_return marker.error();
  auto max_parts = int_param(req, "max-parts", kMaxList, 0, kMaxList);
  if (!max_parts) co_return max_parts.error();
  ShownUser owner;
  auto list = co_await run_blocking(ctx.svc.blocking, [&]() -> s3::Result<PartList> {
    auto parts = ctx.svc.objects.list_parts(req.bucket, req.key, upload_id(req), *marker, *max_parts);
    if (!parts) return parts;
    auto o = bucket_owner_of(ctx.svc, req.bucket);
    if (!o) return o.error();
    owner = std::move(*o);
    return parts;
  });
  if (!list) co_return list.error();
  pugi::xml_document doc;
  auto root = new_s3_document(doc, "ListPartsResult");
  add_text(root, "Bucket", req.bucket);
  add_text(root, "Key", req.key);
  add_text(root, "UploadId", upload_id(req));
  add_owner(root, initiator_of(ctx.svc, list->upload.meta, owner), "Initiator");
  add_owner(root, owner);
  add_text(root, "StorageClass", storage_class(list->upload.meta));
  add_text(root, "PartNumberMarker", std::to_string(*marker));
  // Always present: some clients page on it without looking at IsTruncated.
  add_text(root, "NextPartNumberMarker", std::to_string(list->parts.empty() ? *marker : list->parts.back().number));
  add_text(root, "MaxParts", std::to_string(*max_parts));
  add_text(root, "IsTruncated", list->truncated ? "true" : "false");
  for (const auto& p : list->parts) {
    auto node = root.append_child("Part");
    add_text(node, "PartNumber", std::to_string(p.number));
    add_text(node, "LastModified", iso8601_ms(p.mtime_ms));
    add_text(node, "ETag", quoted_etag(p.etag));
    add_text(node, "Size", std::to_string(list->upload.meta.sse.empty() ? p.size : crypto::plain_size(p.size)));
    add_checksum_elements(node, p.checksums);
  }
  co_return xml_response(to_string(doc));
}

awaitable<Result> list_multipart_uploads(RequestContext& ctx) {
  const auto& req = ctx.req;
  UploadListParams p;
  if (auto* v = req.query_value("prefix")) p.prefix = *v;
  if (auto* v = req.query_value("delimiter")) p.delimiter = *v;
  if (auto* v = req.query_value("key-marker")) p.key_marker = *v;
  if (auto* v = req.query_value("upload-id-marker")) p.upload_id_marker = *v;
  auto max = int_param(req, "max-uploads", kMaxList, 0, kMaxList);
  if (!max) co_return max.error();
  p.max_uploads = *max;
  bool url = false;
  if (auto* e = req.query_value("encoding-type")) {
    if (*e != "url") co_return s3::Error(s3::Code::InvalidArgument, "Invalid Encoding Method specified in Request");
    url = true;
  }
  auto enc = [&](std::string_view s) { return url ? uri_encode(s, true) : std::string(s); };
  ShownUser owner;
  auto list = co_await run_blocking(ctx.svc.blocking, [&]() -> s3::Result<UploadList> {
    auto uploads = ctx.svc.objects.list_uploads(req.bucket, p);
    if (!uploads) return uploads;
    auto o = bucket_owner_of(ctx.svc, req.bucket);
    if (!o) return o.error();
    owner = std::move(*o);
    return uploads;
  });
  if (!list) co_return list.error();
  pugi::xml_document doc;
  auto root = new_s3_document(doc, "ListMultipartUploadsResult");
  add_text(root, "Bucket", req.bucket);
  add_text(root, "KeyMarker", enc(p.key_marker));
  add_text(root, "UploadIdMarker", p.upload_id_marker);
  if (list->truncated) {
    add_text(root, "NextKeyMarker", enc(list->next_key_marker));
    add_text(root, "NextUploadIdMarker", list->next_upload_id_marker);
  }
  if (!p.delimiter.empty()) add_text(root, "Delimiter", enc(p.delimiter));
  add_text(root, "Prefix", enc(p.prefix));
  add_text(root, "MaxUploads", std::to_string(p.max_uploads));
  if (url) add_text(root, "EncodingType", "url");
  add_text(root, "IsTruncated", list->truncated ? "true" : "false");
  for (const auto& u : list->uploads) {
    auto node = root.append_child("Upload");
    add_text(node, "Key", enc(u.key));
    add_text(node, "UploadId", u.upload_id);
    add_owner(node, initiator_of(ctx.svc, u.meta, owner), "Initiator");
    add_owner(node, owner);
    add_text(node, "StorageClass", storage_class(u.meta));
    add_text(node, "Initiated", iso8601_ms(u.initiated_ms));
  }
  for (const auto& pre : list->prefixes) add_text(root.append_child("CommonPrefixes"), "Prefix", enc(pre));
  co_return xml_response(to_string(doc));
}

}  // namespace silt::server::handlers
