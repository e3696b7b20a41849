// PostObject: browser form uploads (multipart/form-data) with a signed policy.
//
// The form is read in one pass: the small fields before the part named "file" are
// collected, then the request is authenticated and the policy checked before a single
// byte of the file is stored; the file streams into an ObjectWriter; its size is held
// against content-length-range before the commit. Fields after the file are skipped.
#include <algorithm>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <cctype>
#include <optional>
#include <pugixml.hpp>
#include <string>

#include "auth/post_policy.h"
#include "crypto/object_cipher.h"
#include "server/http/blocking.h"
#include "server/s3/access_check.h"
#include "server/s3/form_data.h"
#include "server/s3/handlers/acl_headers.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/handlers/object_headers.h"
#include "server/s3/handlers/object_lock.h"
#include "server/s3/handlers/tags.h"
#include "server/s3/sse.h"
#include "server/s3/unsupported_headers.h"
#include "util/hash.h"
#include "util/http_field.h"
#include "util/strings.h"
#include "util/time.h"
#include "util/uri.h"
#include "util/utf8.h"

namespace silt::server::handlers {

namespace {

using namespace boost::asio::experimental::awaitable_operators;
using auth::FormFields;

// Before the form is authenticated, reads are small: all that may come then is
// FormLimits::max_before_file (20 KiB) of fields, and one unsigned connection must not
// pin a megabyte. The file's bytes, once the policy admitted them, come in large reads.
constexpr size_t kFieldReadBuffer = 16 * 1024;
constexpr size_t kFileReadBuffer = 1 << 20;
constexpr size_t kMaxTrailingBytes = 1 << 20;  // read after the file only to keep the connection

s3::Error malformed_form() {
  return s3::Error(s3::Code::MalformedPOSTRequest,
                   "The body of your POST request is not well-formed multipart/form-data.");
}

// "If the browser or client provides a full or partial path to the file, only the text
// following the last slash (/) or backslash (\) is used."
std::string base_name(std::string_view filename) {
  size_t cut = filename.find_last_of("/\\");
  return std::string(cut == std::string_view::npos ? filename : filename.substr(cut + 1));
}

// ${filename} is recognised in every field; the signed ones are left as they were signed.
void expand_filename(FormFields& fields, const std::optional<std::string>& filename) {
  // S3 leaves the variable alone when the file part names no file at all.
  if (!filename) return;
  std::string name = base_name(*filename);
  for (auto& [k, v] : fields) {
    if (iequals(k, "policy") || iequals(k, "x-amz-signature") || iequals(k, "signature")) continue;
    for (size_t at = 0; (at = v.find("${filename}", at)) != std::string::npos; at += name.size())
      v.replace(at, 11, name);
  }
}

// The object's metadata from the form, with PutObject's rules for the same headers.
// A repeated field counts once, with its values joined as the policy saw them.
s3::Result<ObjectMeta> meta_from_form(const FormFields& fields) {
  std::vector<std::pair<std::string, std::string>> distinct;
  for (size_t i = 0; i < fields.size(); ++i) {
    bool seen = false;
    for (size_t j = 0; j < i && !seen; ++j) seen = iequals(fields[j].first, fields[i].first);
    if (!seen) distinct.emplace_back(fields[i].first, *auth::form_field(fields, fields[i].first));
  }
  auto m = meta_from_fields(distinct);
  if (!m) return m;
  if (auto tagging = auth::form_field(fields, "tagging"); tagging && !tagging->empty()) {
    auto tags = tags_from_xml(*tagging);
    if (!tags) return tags.error();
    m->tags = std::move(*tags);
  }
  if (auto acl = auth::form_field(fields, "acl")) {
    auto name = acl_from_value(*acl);
    if (!name) return name.error();
    m->acl = std::move(*name);
  }
  return m;
}

// The form fields that act as the PutObject headers of their names: encryption, Object
// Lock and grants, as AWS takes them in a POST Object form.
bool acting_field(std::string_view name) {
  for (std::string_view prefix : {"x-amz-server-side-encryption", "x-amz-object-lock-", "x-amz-grant-"})
    if (name.size() >= prefix.size() && iequals(name.substr(0, prefix.size()), prefix)) return true;
  return false;
}

// req as the PutObject the form stands for: its key, and its acting fields as the headers
// of their names, so choose_sse, lock_for_new_version, the grant parser and authorize()
// apply PutObject's rules alike. Only the fields act, which the policy covers: the POST's
// own headers (and URL parameters) of those names are not signed, so they are dropped
// (header: where the filtered copy of req's header lives).
S3Request form_request(const S3Request& req, const FormFields& fields, std::string_view key, RequestHeader& header) {
  S3Request out = req;
  out.key = std::string(key);
  out.has_key = true;
  if (req.header) {
    header = *req.header;
    std::vector<std::string> unsigned_names;
    for (const auto& f : header)
      if (acting_field(f.name_string())) unsigned_names.emplace_back(f.name_string());
    for (const auto& name : unsigned_names) header.erase(name);
    out.header = &header;
  }
  std::erase_if(out.query_headers, [](const auto& q) { return acting_field(q.first); });
  for (const auto& field : fields) {
    std::string name = to_lower(field.first);
    if (!acting_field(name)) continue;
    bool seen = false;
    for (const auto& [n, _] : out.query_headers) seen = seen || n == name;
    if (!seen) out.query_headers.emplace_back(name, *auth::form_field(fields, name));
  }
  return out;
}

// The ACL the form sets: its acl field (meta_from_form), or its x-amz-grant-* fields,
// never both (InvalidRequest, as PutObject's headers).
s3::Status add_form_grants(const S3Request& target, const FormFields& fields, ObjectMeta& meta) {
  auto headers = grant_headers(target);
  if (headers.empty()) return {};
  if (auth::form_field(fields, "acl"))
    return s3::Error(s3::Code::InvalidRequest, "Specifying both Canned ACLs and Header Grants is not allowed");
  auto grants = auth::parse_grant_headers(headers);
  if (!grants) return grants.error();
  meta.acl = auth::encode_grants(*grants, "");
  return {};
}

// The object's URL for Location: S3 percent-encodes the whole key, '/' included.
std::string object_url(const S3Request& req, std::string_view key) {
  std::string url = "http://" + std::string(req.header_value("host"));
  if (req.raw_path.rfind("/" + req.bucket, 0) == 0) url += "/" + uri_encode(req.bucket, false);
  return url + "/" + uri_encode(key, false);
}

// success_action_redirect as a Location header, or nothing when it is not an absolute
// http(s) URL with a host. "If Amazon S3 cannot interpret the URL, it acts as if the
// field is not present": a control character (CR LF would start a header of the form
// author's choosing) makes it uninterpretable. Spaces and non-ASCII bytes, which
// browsers send as typed, are percent-encoded as a browser would.
std::optional<std::string> redirect_url(std::string_view url) {
  size_t host = url.rfind("http://", 0) == 0 ? 7 : url.rfind("https://", 0) == 0 ? 8 : 0;
  if (host == 0 || host == url.size() || std::string_view("/?#").find(url[host]) != std::string_view::npos)
    return std::nullopt;
  std::string out;
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (is_field_ctl(c)) return std::nullopt;
    if (u == ' ' || u >= 0x80) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

Response post_response(const S3Request& req, const FormFields& fields, const std::string& key, const ObjectInfo& info,
                       const SseChoice& sse, std::string_view region) {
  Response r;
  std::string etag = quoted_etag(info.etag);
  r.add("ETag", etag);
  add_version_header(r, info);
  add_sse_headers(r, sse.sse, sse.customer_key_md5, region);

  auto field = auth::form_field(fields, "success_action_redirect");
  if (!field) field = auth::form_field(fields, "redirect");
  if (auto redirect = field ? redirect_url(*field) : std::nullopt) {
    std::string loc = *redirect + (redirect->find('?') == std::string::npos ? "?" : "&");
    loc += "bucket=" + uri_encode(req.bucket, false) + "&key=" + uri_encode(key, false) +
           "&etag=" + uri_encode(etag, false);
    r.status = 303;
    r.add("Location", loc);
    return r;
  }

  std::string location = object_url(req, key);
  r.add("Location", location);
  auto status = auth::form_field(fields, "success_action_status");
  if (status && *status == "200") {
    r.status = 200;
  } else if (status && *status == "201") {
    // As S3 sends it: no namespace on PostResponse.
    pugi::xml_document doc;
    auto decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";
    auto root = doc.append_child("PostResponse");
    add_text(root, "Location", location);
    add_text(root, "Bucket", req.bucket);
    add_text(root, "Key", key);
    add_text(root, "ETag", etag);
    Response x = xml_response(to_string(doc), 201);
    x.headers = std::move(r.headers);
    return x;
  } else {
    r.status = 204;
  }
  return r;
}

// Reads the next piece of the body into buf: the count, 0 at the end.
awaitable<s3::Result<size_t>> read_some(RequestContext& ctx, std::string& buf) {
  co_return co_await ctx.body.read(buf.data(), buf.size());
}

// The body as a stream of form events. Before the file: one kFieldReadBuffer and the
// parser's own buffer (bounded by FormLimits). While the file is stored: two read buffers
// of kFileReadBuffer plus the parser's (one read's worth plus a delimiter).
class FormReader {
 public:
  FormReader(RequestContext& ctx, std::string_view boundary)
      : ctx_(ctx), parser_(boundary), buf_(kFieldReadBuffer, '\0') {}

  // The next event, reading the body as the parser asks for more.
  awaitable<s3::Result<FormEvent>> next() {
    for (;;) {
      auto ev = parser_.next();
      if (!ev || ev->kind != FormEvent::Kind::NeedMore) co_return ev;
      if (auto n = co_await fill(); !n) co_return n.error();
    }
  }

  // Stores the file's bytes: each piece is written on the blocking pool while the
  // next piece of the body is read from the socket.
  // Called once the form is authenticated: only then do reads grow to kFileReadBuffer.
  awaitable<s3::Status> store_file(ObjectWriter& writer, uint64_t limit, const auth::PostPolicy& policy) {
    buf_.resize(kFileReadBuffer);  // everything read into it so far was fed to the parser
    std::string ahead(kFileReadBuffer, '\0');
    for (;;) {
      auto ev = parser_.next();
      if (!ev) co_return ev.error();
      switch (ev->kind) {
        case FormEvent::Kind::FileData: {
          uint64_t size = writer.size() + ev->data.size();
          if (size > ctx_.svc.config.max_object_size)
            co_return s3::Error(s3::Code::EntityTooLarge,
                                "Your proposed upload exceeds the maximum allowed object size.");
          if (size > limit) co_return auth::check_post_content_length(policy, size);
          auto data = ev->data;
          auto write = [&]() -> awaitable<s3::Status> {
            co_return co_await run_blocking(ctx_.svc.blocking, [&] { return writer.write(data.data(), data.size()); });
          };
          if (pending_ || eof_) {
            if (auto st = co_await write(); !st) co_return st;
            break;
          }
          auto [stored, got] = co_await (write() && read_some(ctx_, ahead));
          if (!stored) co_return stored;
          if (!got) co_return got.error();
          pending_ = true;
          pending_len_ = *got;
          std::swap(ahead, buf_);
          break;
        }
        case FormEvent::Kind::NeedMore:
          if (auto n = co_await fill(); !n) co_return n.error();
          break;
        case FormEvent::Kind::FileEnd: co_return s3::Status{};
        default: co_return malformed_form();
      }
    }
  }

  // Reads what follows the file so the connection can carry the next request; gives
  // up quietly past a limit (the session then closes the connection).
  awaitable<void> skip_rest() {
    size_t skipped = 0;
    for (;;) {
      auto ev = parser_.next();
      if (!ev || ev->kind == FormEvent::Kind::End) co_return;
      if (ev->kind != FormEvent::Kind::NeedMore) continue;
      if (skipped > kMaxTrailingBytes) co_return;
      auto n = co_await fill();
      if (!n) co_return;
      skipped += *n;
    }
  }

 private:
  // Hands the parser the next bytes: those read ahead during a write, or fresh ones.
  awaitable<s3::Result<size_t>> fill() {
    size_t n = 0;
    if (pending_) {
      pending_ = false;
      n = pending_len_;
    } else {
      if (eof_) co_return malformed_form();
      auto got = co_await read_some(ctx_, buf_);
      if (!got) co_return got.error();
      n = *got;
    }
    if (n == 0) {
      eof_ = true;
      parser_.finish();
    } else {
      parser_.feed(std::string_view(buf_).substr(0, n));
    }
    co_return n;
  }

  RequestContext& ctx_;
  FormDataParser parser_;
  std::string buf_;
  bool pending_ = false;  // buf_ holds pending_len_ bytes read ahead, not yet fed
  size_t pending_len_ = 0;
  bool eof_ = false;
};

}  // namespace

awaitable<Result> post_object(RequestContext& ctx) {
  const auto& req = ctx.req;
  auto boundary = form_boundary(req.header_value("content-type"));
  if (!boundary) co_return malformed_form();
  if (!ctx.credentials) co_return s3::Error(s3::Code::AccessDenied, "Access Denied");

  // The fields before the file.
  FormReader form(ctx, *boundary);
  FormFields fields;
  std::optional<FormEvent> file;
  for (;;) {
    auto ev = co_await form.next();
    if (!ev) co_return ev.error();
    if (ev->kind == FormEvent::Kind::Field) {
      fields.emplace_back(std::move(ev->name), std::move(ev->value));
      continue;
    }
    if (ev->kind == FormEvent::Kind::FileBegin) file = std::move(*ev);
    break;
  }

  // Who signed it.
  auto id = auth::authenticate_post(fields, *ctx.credentials);
  if (!id) co_return id.error();
  if (!file)
    co_return s3::Error(s3::Code::InvalidArgument, "POST requires exactly one file upload per request.")
        .with("ArgumentName", "file")
        .with("ArgumentValue", "0");
  expand_filename(fields, file->filename);
  auto key = auth::form_field(fields, "key");
  if (!key)
    co_return s3::Error(s3::Code::InvalidArgument,
                        "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of "
                        "the fields.")
        .with("ArgumentName", "key")
        .with("ArgumentValue", "");
  if (key->empty()) co_return s3::Error(s3::Code::InvalidArgument, "User key must have a length greater than 0.");
  if (key->size() > kMaxKeyLength) co_return s3::Error(s3::Code::KeyTooLongError, "Your key is too long");
  // As for keys in a URL (InvalidURI there): a stored non-UTF-8 key, or one holding U+0000,
  // would break every listing.
  if (!valid_utf8(*key) || key->find('\0') != std::string::npos)
    co_return s3::Error(s3::Code::InvalidArgument, "Object key must be valid UTF-8 without U+0000.")
        .with("ArgumentName", "key");

  // Fields asking for what silt does not do, then whether the signer may write this key
  // (its own object ARN, so a policy's key patterns apply) with this ACL.
  std::vector<SentField> sent(fields.begin(), fields.end());
  if (auto st = refuse_unsupported("PostObject", req.secure_transport, sent); !st) co_return st.error();
  RequestHeader target_header;
  const S3Request target = form_request(req, fields, *key, target_header);
  const std::string acl = auth::form_field(fields, "acl").value_or("");
  if (!ctx.endpoint) co_return s3::Error(s3::Code::AccessDenied, "Access Denied");
  if (auto st = co_await authorize(ctx.svc, *id, target, *ctx.endpoint, acl); !st) co_return st.error();

  // Whether the signed policy admits this form.
  auto policy = auth::parse_post_policy(*auth::form_field(fields, "policy"));
  if (!policy) co_return policy.error();
  if (auto st = auth::check_post_policy(*policy, fields, req.bucket, now_ms()); !st) co_return st.error();
  auto meta = meta_from_form(fields);
  if (!meta) co_return meta.error();
  if (auto st = add_form_grants(target, fields, *meta); !st) co_return st.error();
  std::string want_md5;
  if (auto md5 = auth::form_field(fields, "content-md5")) {
    if (!base64_decode(*md5, want_md5) || want_md5.size() != 16)
      co_return s3::Error(s3::Code::InvalidDigest, "The Content-MD5 you specified was invalid.");
  }

  // The file, locked and encrypted as a PutObject with the form's fields would be.
  s3::Result<SseChoice> sse = SseChoice{};
  auto writer = co_await run_blocking(ctx.svc.blocking, [&]() -> s3::Result<std::unique_ptr<ObjectWriter>> {
    auto lock = lock_for_new_version(ctx.svc.objects, target);
    if (!lock) return lock.error();
    meta->lock = *lock;
    sse = choose_sse(target, *ctx.svc.keys, ctx.svc.objects, meta->storage_class);
    if (!sse) return sse.error();
    auto w = ctx.svc.objects.create_object(req.bucket, *key, {}, meta->storage_class);
    if (!w) return w.error();
    return encrypt_writes(std::move(*w), sse->sse, sse->data_key, crypto::kSinglePart);
  });
  if (!writer) {
    if (writer.error().code == s3::Code::NoSuchBucket) writer.error().with("BucketName", req.bucket);
    co_return writer.error();
  }
  meta->sse = sse->sse;
  meta->writer = id->user;
  ObjectWriter& w = **writer;
  auto stored = co_await form.store_file(w, auth::post_max_content_length(*policy), *policy);
  s3::Result<ObjectInfo> info = s3::Error{};
  if (!stored) {
    info = stored.error();
  } else if (auto st = auth::check_post_content_length(*policy, w.size()); !st) {
    info = st.error();
  } else if (!want_md5.empty() && want_md5 != w.md5_raw()) {
    info = s3::Error(s3::Code::BadDigest, "The Content-MD5 you specified did not match what we received.");
  } else {
    info = co_await run_blocking(ctx.svc.blocking, [&] { return w.commit(*meta); });
  }
  // Committed or not, the writer goes on a pool thread: destroying it may touch the drives.
  co_await run_blocking(ctx.svc.blocking, [&] { writer->reset(); });
  if (!info) co_return info.error();

  co_await form.skip_rest();
  co_return post_response(req, fields, *key, *info, *sse, ctx.svc.config.region);
}

}  // namespace silt::server::handlers
