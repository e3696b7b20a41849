#include "rados/record_copy.h"

#include <spdlog/spdlog.h>

namespace silt::rados {

void copy_record_to_data(Backend& b, std::string_view bucket, std::string_view key, ObjectRecord rec) {
  if (is_inline(rec) || rec.info.delete_marker || rec.primary_data_id().empty()) return;
  DataPool* pool = b.pool(rec.layout.pool);
  if (!pool) return;
  rec.info.bucket = std::string(bucket);
  rec.info.key = std::string(key);
  const std::string oid = data_oid(rec.primary_data_id(), 0);
  // Fire and forget: librados keeps the completion alive until the op is done, and
  // orders this client's ops on one object as sent.
  librados::ObjectWriteOperation op;
  op.assert_exists();  // never re-creates data GC already removed
  op.setxattr(kRecordXattr, to_bl(encode_object_record(rec)));
  librados::AioCompletion* c = librados::Rados::aio_create_completion();
  if (int r = pool->io.aio_operate(oid, c, &op); r < 0) spdlog::debug("rados: record copy on {}: {}", oid, r);
  c->release();
}

}  // namespace silt::rados
