// Streams one new object into a data pool (design memo §4.2): stripe_bytes at a time,
// each as its own immutable RADOS object <data id>.<n> written with aio write_full,
// several in flight; MD5 as the erasure writer computes it (util/hash.h; the
// x-amz-checksum-* values arrive verified in the meta given to commit()). An object
// that ends within inline_bytes is never written to the pool: it goes inline into
// the index record's D entry. Before its first data object a writer records a write
// intent (I entry) in the bucket's shard; the commit drops it in the same op that
// publishes the version (or records the part). An uncommitted writer removes its
// data and intent.
#pragma once

#include <memory>
#include <string>

#include "object/object_layer.h"
#include "rados/backend.h"

namespace silt::rados {

s3::Result<std::unique_ptr<ObjectWriter>> start_writer(Backend& b, DataPool& pool, std::string bucket, std::string key,
                                                       WriteConditions cond);
// The same for part `number` of a multipart upload: never inlined; commit() records
// the part (NoSuchUpload unless the upload is still open) and returns its size, ETag
// and the checksums it was given. imported: the part as another silt recorded it (a
// migration, rados/import_uploads.h): its ETag and Last-Modified are recorded instead of
// the MD5 of the bytes and the commit's time (an SSE part's bytes are ciphertext, its
// ETag the plaintext's).
s3::Result<std::unique_ptr<ObjectWriter>> start_part_writer(Backend& b, DataPool& pool, std::string bucket,
                                                            std::string key, std::string upload_id, int number,
                                                            const PartInfo* imported = nullptr);

}  // namespace silt::rados
