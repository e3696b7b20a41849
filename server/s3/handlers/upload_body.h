// Moving a request body, or a range of a stored object, into an ObjectWriter:
// shared by PutObject, UploadPart, CopyObject and UploadPartCopy.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"
#include "object/object_layer.h"
#include "server/s3/handler.h"

namespace silt::server {

// Streams the whole request body into writer, verifying it on the way; enforces
// the configured maximum object size. A body over one stripe buffer (1 MiB) goes
// through the ring of upload_pipeline.h; smaller ones, or any while the ring budget
// is spent, through two buffers of at most one stripe each.
boost::asio::awaitable<s3::Status> stream_body(RequestContext& ctx, ObjectWriter& writer);

// A body of known length up to one stripe buffer (1 MiB), read whole and verified
// (chunk signatures, sha256, checksums, length) on the I/O thread, so that the caller
// can write and commit it in one blocking-pool trip instead of three: for small
// PUTs the hand-offs between threads cost more CPU than the work. nullopt, with
// nothing read, for a larger body or one of unknown length (use stream_body).
boost::asio::awaitable<s3::Result<std::optional<std::string>>> read_small_body(RequestContext& ctx);

// Copies plaintext [offset, offset+length) of src (as stat_object gave it) into writer,
// decrypting with src_key when src is encrypted (server/s3/sse.h). Blocking: call on the pool.
s3::Status copy_range(ObjectLayer& objects, const ObjectInfo& src, const std::string& src_key, uint64_t offset,
                      uint64_t length, ObjectWriter& writer);

// Checks Content-MD5 (if sent) against what the writer received. InvalidDigest, BadDigest.
s3::Status check_content_md5(const S3Request& req, ObjectWriter& writer);

}  // namespace silt::server
