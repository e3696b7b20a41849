#include "server/s3/body_reader.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "util/strings.h"

namespace silt::server {

namespace {
constexpr size_t kRawChunk = 256 * 1024;

std::optional<uint64_t> parse_u64(std::string_view s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// The names x-amz-trailer announces, lowercase: the only trailers an aws-chunked body may carry.
std::vector<std::string> declared_trailers(std::string_view header) {
  std::vector<std::string> names;
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string name = to_lower(header.substr(0, comma));
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    if (!name.empty()) names.push_back(std::move(name));
  }
  return names;
}

}  // namespace

BodyReader::BodyReader(RawBodySource& src, const S3Request& req, const auth::Identity& id)
    : src_(src), req_(req), id_(id) {}

s3::Status BodyReader::prepare() {
  auto trailers = declared_trailers(req_.header_value("x-amz-trailer"));
  if (auth::is_streaming(id_.payload)) {
    chunked_ = std::make_unique<auth::AwsChunkedDecoder>(id_, trailers);
    auto decoded = req_.header_value("x-amz-decoded-content-length");
    if (!decoded.empty()) {
      expected_ = parse_u64(decoded);
      if (!expected_) return s3::Error(s3::Code::InvalidArgument, "x-amz-decoded-content-length is not a number");
    }
  } else if (req_.has_header("content-length")) {
    expected_ = parse_u64(req_.header_value("content-length"));
  }
  if (id_.payload == auth::PayloadMode::Sha256) sha256_.emplace(Digest::Kind::SHA256);

  // Checksums: as headers (value known now) or announced as trailers. The headers of a
  // CompleteMultipartUpload are the object's checksums, not its XML body's: the object
  // layer checks them (index/multipart_record.h).
  const bool completes_upload = req_.method == http::verb::post && req_.has_query("uploadId");
  for (const auto& [field, value] : req_.fields()) {
    if (completes_upload) break;
    std::string name = to_lower(field);
    if (name.rfind("x-amz-checksum-", 0) != 0) continue;
    auto algo = parse_checksum_algo(std::string_view(name).substr(15));
    if (!algo) continue;  // -type, -mode, or algorithms we cannot compute: accepted, not verified
    checksums_.push_back({Checksummer(*algo), std::string(value)});
  }
  for (const auto& name : trailers) {
    if (name.rfind("x-amz-checksum-", 0) != 0) continue;
    auto algo = parse_checksum_algo(std::string_view(name).substr(15));
    if (algo) checksums_.push_back({Checksummer(*algo), ""});
  }
  return {};
}

boost::asio::awaitable<s3::Result<size_t>> BodyReader::read(char* buf, size_t n) {
  if (finished_) co_return size_t{0};
  while (pending_pos_ == pending_.size()) {
    pending_.clear();
    pending_pos_ = 0;
    if (src_.done()) {
      if (chunked_ && !chunked_->done())
        co_return s3::Error(s3::Code::IncompleteBody, "The request body ended before the final chunk.");
      auto st = finish();
      if (!st) co_return st.error();
      co_return size_t{0};
    }
    if (!chunked_) {
      // Plain body: read straight into the caller's buffer, no copy.
      auto got = co_await src_.read_some(buf, n);
      if (!got) co_return got.error();
      if (*got == 0) continue;
      decoded_ += *got;
      if (!deferred_) hash_payload(buf, *got);
      co_return *got;
    }
    raw_.resize(kRawChunk);
    auto got = co_await src_.read_some(raw_.data(), raw_.size());
    if (!got) co_return got.error();
    auto st = chunked_->feed(std::string_view(raw_.data(), *got), pending_);
    if (!st) co_return st.error();
  }
  size_t take = std::min(n, pending_.size() - pending_pos_);
  std::copy_n(pending_.data() + pending_pos_, take, buf);
  pending_pos_ += take;
  decoded_ += take;
  if (!deferred_) hash_payload(buf, take);
  co_return take;
}

void BodyReader::hash_payload(const char* data, size_t n) {
  if (sha256_) sha256_->update(data, n);
  for (auto& c : checksums_) c.sum.update(data, n);
}

void BodyReader::defer_verification() {
  deferred_ = true;
  if (chunked_ &&
      (id_.payload == auth::PayloadMode::StreamingSigned || id_.payload == auth::PayloadMode::StreamingSignedTrailer)) {
    chunked_->defer_chunk_signatures(&claims_);
    verifier_.emplace(id_);
  }
}

std::vector<auth::ChunkClaim> BodyReader::take_claims() {
  return std::exchange(claims_, {});
}

s3::Status BodyReader::verify_update(std::vector<auth::ChunkClaim> claims, const char* data, size_t n) {
  hash_payload(data, n);
  if (!verifier_) return {};
  for (auto& c : claims) verifier_->expect(std::move(c));
  return verifier_->update(data, n);
}

s3::Status BodyReader::verify_finish() {
  if (verifier_)
    if (auto st = verifier_->finish(); !st) return st;
  return check_digests();
}

s3::Status BodyReader::finish() {
  finished_ = true;
  if (expected_ && *expected_ != decoded_)
    return s3::Error(s3::Code::IncompleteBody,
                     "You did not provide the number of bytes specified by the Content-Length HTTP header.");
  // Deferred: the digests are verify_finish()'s, once the verifying stage has seen every byte.
  return deferred_ ? s3::Status{} : check_digests();
}

s3::Status BodyReader::check_digests() {
  if (sha256_) {
    if (hex_encode(sha256_->finish()) != id_.payload_sha256_hex)
      return s3::Error(s3::Code::XAmzContentSHA256Mismatch,
                       "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  for (auto& c : checksums_) {
    std::string name = checksum_header_name(c.sum.algo());
    if (c.expected.empty() && chunked_) {
      for (const auto& [k, v] : chunked_->trailers())
        if (k == name) c.expected = v;
    }
    if (c.expected.empty()) continue;  // announced but never sent: nothing to verify
    std::string got = c.sum.finish_base64();
    if (got != c.expected)
      return s3::Error(s3::Code::BadDigest, "The " + std::string(checksum_algo_name(c.sum.algo())) +
                                                " you specified did not match the calculated checksum.");
    verified_.emplace_back(std::string(checksum_algo_name(c.sum.algo())), got);
  }
  return {};
}

boost::asio::awaitable<s3::Result<std::string>> BodyReader::read_all(size_t limit) {
  std::string out;
  char buf[16384];
  for (;;) {
    auto got = co_await read(buf, sizeof buf);
    if (!got) co_return got.error();
    if (*got == 0) break;
    if (out.size() + *got > limit) co_return s3::Error(s3::Code::EntityTooLarge, "The request body is too large.");
    out.append(buf, *got);
  }
  // Present but empty is no digest at all: InvalidDigest, as AWS answers it.
  auto md5 = req_.header_value("content-md5");
  if (req_.has_header("content-md5")) {
    std::string want;
    if (!base64_decode(md5, want) || want.size() != 16)
      co_return s3::Error(s3::Code::InvalidDigest, "The Content-MD5 you specified was invalid.");
    if (want != md5_raw(out))
      co_return s3::Error(s3::Code::BadDigest, "The Content-MD5 you specified did not match what we received.");
  }
  co_return out;
}

}  // namespace silt::server
