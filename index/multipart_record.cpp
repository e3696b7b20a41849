#include "index/multipart_record.h"

#include <algorithm>
#include <map>

#include "common/encrypted_size.h"
#include "index/write_conditions.h"
#include "util/checksum.h"
#include "util/hash.h"

namespace silt {

namespace {

// S3's composite checksums of a multipart object: for every algorithm that all
// parts carry, the checksum of the concatenated binary part checksums, "-N".
// (CRC64NVME exists only as a full-object checksum, which would need the data.)
std::vector<std::pair<std::string, std::string>> composite_checksums(const std::vector<PartRecord>& parts) {
  std::vector<std::pair<std::string, std::string>> out;
  if (parts.empty()) return out;
  for (ChecksumAlgo a : {ChecksumAlgo::CRC32, ChecksumAlgo::CRC32C, ChecksumAlgo::SHA1, ChecksumAlgo::SHA256}) {
    const std::string_view name = checksum_algo_name(a);
    Checksummer sum(a);
    bool all = true;
    for (const auto& p : parts) {
      std::string raw;
      auto it = std::find_if(p.checksums.begin(), p.checksums.end(), [&](const auto& c) { return c.first == name; });
      if (it == p.checksums.end() || !base64_decode(it->second, raw)) {
        all = false;
        break;
      }
      sum.update(raw.data(), raw.size());
    }
    if (all) out.emplace_back(std::string(name), sum.finish_base64() + "-" + std::to_string(parts.size()));
  }
  return out;
}

// FULL_OBJECT checksums: the CRC of the whole body, combined from the part CRCs
// and sizes, for every CRC algorithm all parts carry.
// encrypted: the parts' sizes are stored sizes, and the CRCs are of their plaintext
// (common/encrypted_size.h).
std::vector<std::pair<std::string, std::string>> full_object_checksums(const std::vector<PartRecord>& parts,
                                                                       bool encrypted) {
  std::vector<std::pair<std::string, std::string>> out;
  for (ChecksumAlgo a : {ChecksumAlgo::CRC32, ChecksumAlgo::CRC32C, ChecksumAlgo::CRC64NVME}) {
    const std::string_view name = checksum_algo_name(a);
    std::optional<uint64_t> crc;
    for (const auto& p : parts) {
      auto it = std::find_if(p.checksums.begin(), p.checksums.end(), [&](const auto& c) { return c.first == name; });
      auto part_crc = it == p.checksums.end() ? std::nullopt : crc_from_base64(a, it->second);
      if (!part_crc) {
        crc.reset();
        break;
      }
      crc = crc ? crc_combine(a, *crc, *part_crc, encrypted ? sse_plain_size(p.size) : p.size) : part_crc;
    }
    if (crc) out.emplace_back(std::string(name), crc_to_base64(a, *crc));
  }
  return out;
}

// The claims of a Complete against the object the parts make (rec, with its checksums
// and type decided); declared_type: the upload's x-amz-checksum-type at creation.
s3::Status check_claims(const CompleteClaims& claims, const ObjectRecord& rec, const std::string& declared_type) {
  if (claims.object_size) {
    uint64_t plain = 0;  // the size the client sees: SSE parts are stored larger
    for (const auto& p : rec.parts) plain += rec.info.meta.sse.empty() ? p.size : sse_plain_size(p.size);
    if (*claims.object_size != plain)
      return s3::Error(s3::Code::InvalidRequest, "The provided x-amz-mp-object-size (" +
                                                     std::to_string(*claims.object_size) +
                                                     ") does not match the size of the object the listed parts make (" +
                                                     std::to_string(plain) + ").");
  }
  if (!claims.checksum_type.empty()) {
    if (claims.checksum_type != "COMPOSITE" && claims.checksum_type != "FULL_OBJECT")
      return s3::Error(s3::Code::InvalidArgument, "Value for x-amz-checksum-type header is invalid.")
          .with("ArgumentName", "x-amz-checksum-type");
    // An upload created without a type and whose parts carry no checksum has no type to
    // contradict: AWS's default type depends on a default algorithm silt does not add.
    const std::string& type = declared_type.empty() ? rec.info.meta.checksum_type : declared_type;
    if (!type.empty() && claims.checksum_type != type)
      return s3::Error(s3::Code::BadDigest, "The x-amz-checksum-type you specified (" + claims.checksum_type +
                                                ") does not match the checksum type of the upload (" + type + ").");
  }
  const auto& made = rec.info.meta.checksums;
  const bool composite = rec.info.meta.checksum_type == "COMPOSITE";
  for (const auto& [algo, value] : claims.checksums) {
    auto it = std::find_if(made.begin(), made.end(), [&](const auto& c) { return c.first == algo; });
    if (it == made.end())
      return s3::Error(s3::Code::InvalidRequest, "The object gets no " + algo + " checksum (its parts do not all " +
                                                     "carry one of the upload's type) to check the one you specified.");
    // A composite value may come with or without its "-N" part count.
    const std::string bare = composite ? it->second.substr(0, it->second.rfind('-')) : it->second;
    if (value != it->second && value != bare)
      return s3::Error(s3::Code::BadDigest, "The " + algo + " you specified did not match the calculated checksum.");
  }
  return {};
}

}  // namespace

s3::Result<ObjectRecord> assemble_multipart(const UploadInfo& upload, const std::vector<CompletedPart>& named,
                                            const std::vector<UploadedPart>& stored, int64_t now_ms,
                                            const CompleteClaims& claims) {
  std::map<int, const UploadedPart*> by_number;
  for (const auto& p : stored) by_number[p.info.number] = &p;

  ObjectRecord rec;
  rec.info.bucket = upload.bucket;
  rec.info.key = upload.key;
  rec.info.meta = upload.meta;
  rec.upload_id = upload.upload_id;
  rec.info.upload_id = rec.upload_id;
  Digest md5s(Digest::Kind::MD5);
  int prev = 0;
  for (size_t i = 0; i < named.size(); ++i) {
    const CompletedPart& c = named[i];
    if (c.number <= prev)
      return s3::Error(s3::Code::InvalidPartOrder,
                       "The list of parts was not in ascending order. Parts must be ordered by part number.");
    prev = c.number;
    auto found = by_number.find(c.number);
    if (found == by_number.end() || found->second->info.etag != normalize_etag(c.etag))
      return s3::Error(s3::Code::InvalidPart,
                       "One or more of the specified parts could not be found. The part may not have been uploaded, "
                       "or the specified entity tag may not match the part's entity tag.")
          .with("PartNumber", std::to_string(c.number))
          .with("ETag", c.etag);
    const UploadedPart& p = *found->second;
    for (const auto& [algo, value] : c.checksums) {
      auto stored = std::find_if(p.info.checksums.begin(), p.info.checksums.end(),
                                 [&](const auto& sc) { return sc.first == algo; });
      if (stored == p.info.checksums.end() || stored->second != value)
        return s3::Error(s3::Code::InvalidPart, "The " + algo + " checksum of part " + std::to_string(c.number) +
                                                    " does not match the checksum of the uploaded part.")
            .with("PartNumber", std::to_string(c.number));
    }
    // The 5 MiB rule is on what the client sent: an encrypted part is stored larger.
    const uint64_t part_size = upload.meta.sse.empty() ? p.info.size : sse_plain_size(p.info.size);
    if (i + 1 < named.size() && part_size < kMinPartSize)
      return s3::Error(s3::Code::EntityTooSmall, "Your proposed upload is smaller than the minimum allowed size")
          .with("PartNumber", std::to_string(c.number))
          .with("ProposedSize", std::to_string(part_size))
          .with("MinSizeAllowed", std::to_string(kMinPartSize));
    if (i == 0) {
      rec.layout = p.layout;
      rec.layout.data_id.clear();
      rec.layout.distribution.clear();
      rec.layout.stored = 0;
    }
    if (p.layout.k != rec.layout.k || p.layout.m != rec.layout.m || p.layout.block_size != rec.layout.block_size ||
        p.layout.pool != rec.layout.pool || p.layout.compression != rec.layout.compression)
      return s3::Error(s3::Code::InternalError,
                       "parts of upload " + upload.upload_id + " were written with different erasure layouts");
    std::string raw;
    if (!hex_decode(p.info.etag, raw)) return s3::Error(s3::Code::InternalError, "part record has a bad etag");
    md5s.update(raw);
    rec.info.size += p.info.size;
    rec.info.stored_bytes += p.layout.stored;
    rec.parts.push_back({p.info.number, p.info.size, p.info.etag, p.layout.data_id, p.layout.distribution,
                         p.info.checksums, p.layout.stored});
    rec.info.parts.push_back({p.info.number, p.info.size, p.info.etag, p.info.checksums});
  }
  rec.info.etag = hex_encode(md5s.finish()) + "-" + std::to_string(named.size());
  // Object-level checksums are the composites; checksums given at creation for
  // other algorithms (none can have been verified against data) are dropped.
  // CRC64NVME exists only as a full-object checksum, so it implies that type.
  bool full = rec.info.meta.checksum_type == "FULL_OBJECT";
  for (const auto& [algo, value] : rec.info.meta.checksums) full = full || algo == "CRC64NVME";
  rec.info.meta.checksums =
      full ? full_object_checksums(rec.parts, !rec.info.meta.sse.empty()) : composite_checksums(rec.parts);
  rec.info.meta.checksum_type = rec.info.meta.checksums.empty() ? "" : full ? "FULL_OBJECT" : "COMPOSITE";
  rec.info.mtime_ms = now_ms;
  if (auto st = check_claims(claims, rec, upload.meta.checksum_type); !st) return st.error();
  return rec;
}

}  // namespace silt
