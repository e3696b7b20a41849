// ObjectLayer on a Ceph cluster through librados (issue 17, docs/cluster.md):
// buckets in the index pool's root object, each bucket's index in one shard object,
// data in the EC pool of its storage class. Any number of silt processes may serve
// one cluster at once: every change is one compare-and-set op on one RADOS object.
// open_rados_object_layer (rados_config.h) builds one.
//
// It serves PUT (If-None-Match, If-Match), GET/HEAD/Range, metadata, tags and ACL
// updates, DELETE, ListObjects, bucket configs and owners, multipart uploads
// (rados/uploads.h), and versioning: Enabled and Suspended buckets, version ids, the
// null version, delete markers, ListObjectVersions (rados/objects.h, rados/versioning.h),
// and Object Lock: retention and legal hold live in the version's record, judged in the
// guarded op of every change or removal of it.
// Storage class transitions copy the data into the target class's pool (rados/transition.h).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "object/object_layer.h"
#include "rados/backend.h"
#include "rados/lease.h"
#include "rados/root_cache.h"
#include "rados/stat_handoff.h"

namespace silt {

class RadosObjectLayer final : public ObjectLayer {
 public:
  explicit RadosObjectLayer(std::unique_ptr<rados::Backend> b);
  ~RadosObjectLayer() override;

  s3::Status make_bucket(std::string_view bucket, std::string_view owner = {}) override;
  // make_bucket with the creation time given (ms since the epoch), not now: a bucket a
  // migration carries over keeps the CreationDate ListBuckets showed (cmd/migrate.cpp).
  s3::Status make_bucket_created(std::string_view bucket, std::string_view owner, int64_t created_ms);
  s3::Result<BucketInfo> head_bucket(std::string_view bucket) override;
  s3::Status delete_bucket(std::string_view bucket) override;
  s3::Result<std::vector<BucketInfo>> list_buckets() override;
  s3::Status set_bucket_owner(std::string_view bucket, std::string_view owner) override;

  s3::Result<std::unique_ptr<ObjectWriter>> create_object(std::string_view bucket, std::string_view key,
                                                          const WriteConditions& cond,
                                                          std::string_view storage_class) override;
  s3::Result<ObjectInfo> stat_object(std::string_view bucket, std::string_view key,
                                     std::string_view version_id) override;
  s3::Result<std::unique_ptr<ObjectReader>> open_object(const ObjectInfo& info, uint64_t offset,
                                                        uint64_t length) override;
  s3::Result<ObjectInfo> update_metadata(std::string_view bucket, std::string_view key,
                                         const ObjectMeta& meta) override;
  s3::Result<ObjectInfo> set_tags(std::string_view bucket, std::string_view key, std::string_view version_id,
                                  const std::vector<std::pair<std::string, std::string>>& tags) override;
  s3::Result<ObjectInfo> set_acl(std::string_view bucket, std::string_view key, std::string_view version_id,
                                 std::string_view acl) override;
  bool supports_object_lock() const override { return true; }

  s3::Result<ObjectInfo> set_object_lock(std::string_view bucket, std::string_view key, std::string_view version_id,
                                         const LockChange& change) override;
  s3::Result<DeleteOutcome> delete_object(std::string_view bucket, std::string_view key, std::string_view version_id,
                                          const IfCurrent* if_current) override;
  s3::Result<DeleteOutcome> delete_object_if(std::string_view bucket, std::string_view key, std::string_view version_id,
                                             const DeleteConditions& cond) override;
  s3::Result<ListResult> list_objects(std::string_view bucket, const ListParams& p) override;
  s3::Result<VersionListResult> list_object_versions(std::string_view bucket, const VersionListParams& p) override;

  bool has_storage_class(std::string_view name) const override;
  std::vector<PoolInfo> pools() const override;
  s3::Result<uint64_t> transition_object(std::string_view bucket, std::string_view key, std::string_view version_id,
                                         std::string_view storage_class,
                                         const std::function<void(uint64_t)>& before_chunk) override;

  s3::Status set_versioning(std::string_view bucket, Versioning state) override;
  s3::Status put_bucket_config(std::string_view bucket, std::string_view name, std::string_view value) override;
  s3::Result<std::optional<std::string>> get_bucket_config(std::string_view bucket, std::string_view name) override;
  s3::Status delete_bucket_config(std::string_view bucket, std::string_view name) override;

  s3::Result<UploadInfo> create_upload(std::string_view bucket, std::string_view key, const ObjectMeta& meta) override;
  s3::Result<UploadInfo> get_upload(std::string_view bucket, std::string_view key, std::string_view upload_id) override;
  s3::Result<std::unique_ptr<ObjectWriter>> create_part(std::string_view bucket, std::string_view key,
                                                        std::string_view upload_id, int part_number) override;
  s3::Result<PartList> list_parts(std::string_view bucket, std::string_view key, std::string_view upload_id,
                                  int after_part, int max_parts) override;
  s3::Result<ObjectInfo> complete_upload(std::string_view bucket, std::string_view key, std::string_view upload_id,
                                         const std::vector<CompletedPart>& parts, const WriteConditions& cond = {},
                                         const CompleteClaims& claims = {}) override;
  s3::Status abort_upload(std::string_view bucket, std::string_view key, std::string_view upload_id) override;
  s3::Result<UploadList> list_uploads(std::string_view bucket, const UploadListParams& p) override;
  // In the cluster, shared by every gateway (rados/lease.h).
  BucketLeases* bucket_leases() override { return &leases_; }

  // For tests and tools: the backend's state, and one GC pass now (returns entries done).
  rados::Backend& backend() { return *b_; }
  // The server's caches derived from bucket configs follow this gateway's (root_cache.h).
  void on_bucket_change(std::function<void(std::string_view bucket)> cb) { cache_->on_change(std::move(cb)); }
  s3::Result<uint64_t> collect_garbage();

 private:
  void gc_loop();
  // The data pool of a storage class ("" is STANDARD); InvalidStorageClass.
  s3::Result<rados::DataPool*> class_pool(std::string_view storage_class) const;

  // After a change of bucket's root entries (whether or not it succeeded: a failed
  // delete may have removed some): drops them here and on every other gateway.
  void root_changed(std::string_view bucket) { cache_->changed(bucket); }

  std::unique_ptr<rados::Backend> b_;
  std::unique_ptr<rados::RootCache> cache_;  // bucket records and configs (rados/root_cache.h)
  rados::StatHandoff handoff_;               // stat_object's record for open_object
  rados::RadosBucketLeases leases_{*b_};
  std::mutex gc_mu_;
  std::condition_variable gc_cv_;
  bool stopping_ = false;
  std::thread gc_thread_;
};

}  // namespace silt
