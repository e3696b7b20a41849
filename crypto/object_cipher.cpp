#include "crypto/object_cipher.h"

#include <zstd.h>

#include <algorithm>
#include <vector>

#include "crypto/aes_gcm.h"
#include "util/hash.h"

namespace silt::crypto {

namespace {
constexpr uint64_t kPackageSealed = kPackagePlain + kPackageOverhead;
// Compressing data keys (docs/format.md "Encrypted objects"): the nonce's top bit says the
// package holds a zstd frame, whose length is the package's last 4 bytes (big-endian).
constexpr unsigned char kCompressedBit = 0x80;
constexpr size_t kFrameLengthBytes = 4;

// A data key as new_data_key() makes it: the AES key, and the zstd level (0: packages are
// never compressed).
struct KeyParts {
  std::string aes;
  int zstd_level = 0;
};
KeyParts split_key(std::string_view data_key) {
  KeyParts k{std::string(data_key.substr(0, kKeyBytes)), 0};
  if (data_key.size() > kKeyBytes) k.zstd_level = static_cast<unsigned char>(data_key[kKeyBytes]);
  return k;
}

struct FreeCCtx {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct FreeDCtx {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

// Binds a package to its place: a package moved to another index or part, or a stream cut
// after a full package (the last one says it is last), fails to authenticate.
std::string package_aad(int part, uint64_t index, bool last) {
  std::string aad = "silt-sse-1 package";
  for (int s = 24; s >= 0; s -= 8) aad.push_back(static_cast<char>((static_cast<uint32_t>(part) >> s) & 0xff));
  for (int s = 56; s >= 0; s -= 8) aad.push_back(static_cast<char>((index >> s) & 0xff));
  aad.push_back(last ? '\1' : '\0');
  return aad;
}

// The context is bound only when there is one, so records written before it existed
// (and SSE-S3/SSE-C records, which have none) keep the AAD they were sealed with.
std::string key_aad(const ObjectSse& sse) {
  std::string aad = "silt-sse-1 data key|" + sse.algorithm + "|" + sse.key_id;
  if (!sse.context.empty()) aad += "|context|" + sse.context;
  return aad;
}

class EncryptingWriter final : public ObjectWriter {
 public:
  EncryptingWriter(std::unique_ptr<ObjectWriter> inner, std::string_view data_key, int part, bool etag_of_plaintext)
      : inner_(std::move(inner)), key_(split_key(data_key)), part_(part), etag_of_plaintext_(etag_of_plaintext) {
    pending_.reserve(kPackagePlain);
    if (key_.zstd_level > 0) {
      cctx_.reset(ZSTD_createCCtx());
      frame_.resize(kPackagePlain);
    }
  }

  s3::Status write(const char* data, size_t n) override {
    if (auto st = write_data(data, n); !st) return st;
    hash_md5(data, n);
    return {};
  }

  // A full package is sealed only once more bytes follow it: until then it may be the last.
  s3::Status write_data(const char* data, size_t n) override {
    out_.clear();
    size_ += n;
    while (n > 0) {
      if (pending_.size() == kPackagePlain) seal_pending(false);
      const size_t take = std::min<size_t>(n, kPackagePlain - pending_.size());
      pending_.append(data, take);
      data += take;
      n -= take;
    }
    return pass_on();
  }

  void hash_md5(const char* data, size_t n) override {
    if (etag_of_plaintext_)
      inner_->hash_md5(data, n);
    else
      plain_md5_.update(data, n);
  }

  uint64_t size() const override { return size_; }

  // The MD5 is final once writing is done, so the last package (which may be short) is
  // sealed and stored first; a failure to store it is commit()'s to report.
  std::string md5_raw() override {
    (void)finish();
    if (etag_of_plaintext_) return inner_->md5_raw();
    if (!plain_md5_done_) {
      plain_md5_value_ = plain_md5_.finish();
      plain_md5_done_ = true;
    }
    return plain_md5_value_;
  }

  s3::Result<ObjectInfo> commit(const ObjectMeta& meta) override {
    if (auto st = finish(); !st) return st.error();
    auto info = inner_->commit(meta);
    if (!info) return info.error();
    return plain_view(std::move(*info));
  }

 private:
  // Seals what is pending as the stream's last package and stores it, once.
  s3::Status finish() {
    if (finished_) return finish_status_;
    finished_ = true;
    out_.clear();
    if (!pending_.empty()) seal_pending(true);
    finish_status_ = pass_on();
    return finish_status_;
  }

  // A package keeps the size of an uncompressed one whatever it holds, so sizes and range
  // arithmetic are the same for every encrypted object; a compressed package is padded with
  // zeros, which the compressed class's own per-stripe zstd then stores in a few bytes.
  void seal_pending(bool last) {
    std::string nonce = random_bytes(kNonceBytes);
    const auto aad = package_aad(part_, index_++, last);
    const size_t frame = compress_pending();
    if (frame == 0) {
      if (cctx_) nonce[0] = static_cast<char>(static_cast<unsigned char>(nonce[0]) & ~kCompressedBit);
      out_ += nonce;
      seal(key_.aes, nonce, aad, pending_.data(), pending_.size(), out_);
    } else {
      nonce[0] = static_cast<char>(static_cast<unsigned char>(nonce[0]) | kCompressedBit);
      out_ += nonce;
      seal(key_.aes, nonce, aad, reinterpret_cast<const char*>(frame_.data()), frame, out_);
      out_.append(pending_.size() - frame - kFrameLengthBytes, '\0');
      for (int s = 24; s >= 0; s -= 8) out_.push_back(static_cast<char>((frame >> s) & 0xff));
    }
    pending_.clear();
  }

  // The zstd frame of pending_ in frame_ and its length, or 0 when the key does not
  // compress or the frame and its length would not be smaller than pending_.
  size_t compress_pending() {
    if (!cctx_ || pending_.size() <= kFrameLengthBytes) return 0;
    const size_t r = ZSTD_compressCCtx(cctx_.get(), frame_.data(), pending_.size() - kFrameLengthBytes, pending_.data(),
                                       pending_.size(), key_.zstd_level);
    return ZSTD_isError(r) ? 0 : r;  // an error here is "does not fit": stored as is
  }

  // The ETag of a stream that is not the plaintext's MD5 is the MD5 of what is stored.
  s3::Status pass_on() {
    if (out_.empty()) return {};
    if (!etag_of_plaintext_) inner_->hash_md5(out_.data(), out_.size());
    return inner_->write_data(out_.data(), out_.size());
  }

  std::unique_ptr<ObjectWriter> inner_;
  KeyParts key_;
  int part_;
  bool etag_of_plaintext_;
  std::unique_ptr<ZSTD_CCtx, FreeCCtx> cctx_;  // compressing keys only
  std::vector<uint8_t> frame_;                 // the current package's zstd frame
  std::string pending_;                        // plaintext not yet sealed: at most one package
  std::string out_;                            // packages sealed by the current call
  uint64_t index_ = 0;
  uint64_t size_ = 0;
  Digest plain_md5_{Digest::Kind::MD5};
  std::string plain_md5_value_;
  bool plain_md5_done_ = false;
  bool finished_ = false;
  s3::Status finish_status_;
};

// One stored stream (a single PUT's data or one part) as the reader walks it.
struct Stream {
  int part = kSinglePart;
  uint64_t sealed_offset = 0;  // in the stored object
  uint64_t sealed_size = 0;
  uint64_t plain_offset = 0;  // in the plaintext object
  uint64_t plain_size = 0;
};

class DecryptingReader final : public ObjectReader {
 public:
  DecryptingReader(ObjectLayer& objects, ObjectInfo stored, std::vector<Stream> streams, std::string_view data_key,
                   uint64_t offset, uint64_t length)
      : objects_(objects),
        stored_(std::move(stored)),
        streams_(std::move(streams)),
        key_(split_key(data_key)),
        pos_(offset),
        end_(offset + length) {}

  s3::Result<size_t> read(char* buf, size_t n) override {
    size_t done = 0;
    while (done < n && pos_ < end_) {
      if (avail_ == 0)
        if (auto st = next_package(); !st) return st.error();
      const size_t take = static_cast<size_t>(std::min<uint64_t>({n - done, avail_, end_ - pos_}));
      std::copy_n(plain_.data() + (plain_.size() - avail_), take, buf + done);
      avail_ -= take;
      pos_ += take;
      done += take;
    }
    return done;
  }

 private:
  // Decrypts the package holding pos_, opening the storage reader for the packages of its
  // stream that the range still needs when the previous one is used up.
  s3::Status next_package() {
    auto s = std::find_if(streams_.begin(), streams_.end(),
                          [&](const Stream& st) { return pos_ < st.plain_offset + st.plain_size; });
    if (s == streams_.end()) return s3::Error(s3::Code::InternalError, "encrypted object shorter than its size");
    const uint64_t in_stream = pos_ - s->plain_offset;
    const uint64_t index = in_stream / kPackagePlain;
    const uint64_t packages = (s->plain_size + kPackagePlain - 1) / kPackagePlain;
    if (!reader_ || s->part != part_ || index != next_index_) {
      const uint64_t last_needed =
          (std::min(end_, s->plain_offset + s->plain_size) - 1 - s->plain_offset) / kPackagePlain;
      const uint64_t from = index * kPackageSealed;
      const uint64_t to = std::min(s->sealed_size, (last_needed + 1) * kPackageSealed);
      auto r = objects_.open_object(stored_, s->sealed_offset + from, to - from);
      if (!r) return r.error();
      reader_ = std::move(*r);
      part_ = s->part;
      next_index_ = index;
    }
    const bool last = next_index_ + 1 == packages;
    const uint64_t plain_len = last ? s->plain_size - next_index_ * kPackagePlain : kPackagePlain;
    sealed_.resize(plain_len + kPackageOverhead);
    for (size_t filled = 0; filled < sealed_.size();) {
      auto got = reader_->read(sealed_.data() + filled, sealed_.size() - filled);
      if (!got) return got.error();
      if (*got == 0) return s3::Error(s3::Code::InternalError, "encrypted object shorter than its size");
      filled += *got;
    }
    if (auto st = open_package(package_aad(part_, next_index_, last), plain_len); !st) return st;
    ++next_index_;
    // Skip what precedes pos_ in the package (the start of a range).
    const uint64_t skip = in_stream - index * kPackagePlain;
    avail_ = plain_.size() - skip;
    return {};
  }

  // Opens the package in sealed_ into plain_ (plain_len bytes), decompressing it when it
  // says it holds a zstd frame (only under a compressing key: other keys' nonces are
  // random in every bit).
  s3::Status open_package(const std::string& aad, uint64_t plain_len) {
    const auto fail = [] {
      return s3::Error(s3::Code::InternalError, "an encrypted package of the object does not authenticate");
    };
    plain_.clear();
    std::string_view nonce(sealed_.data(), kNonceBytes);
    const bool compressed = key_.zstd_level > 0 && (static_cast<unsigned char>(nonce[0]) & kCompressedBit);
    if (!compressed) {
      if (!open(key_.aes, nonce, aad, sealed_.data() + kNonceBytes, sealed_.size() - kNonceBytes, plain_))
        return fail();
      return {};
    }
    uint64_t frame = 0;
    for (size_t i = sealed_.size() - kFrameLengthBytes; i < sealed_.size(); ++i)
      frame = frame << 8 | static_cast<unsigned char>(sealed_[i]);
    if (frame + kFrameLengthBytes > plain_len) return fail();
    frame_.clear();
    if (!open(key_.aes, nonce, aad, sealed_.data() + kNonceBytes, frame + kTagBytes, frame_)) return fail();
    if (!dctx_) dctx_.reset(ZSTD_createDCtx());
    plain_.resize(plain_len);
    const size_t r = ZSTD_decompressDCtx(dctx_.get(), plain_.data(), plain_.size(), frame_.data(), frame_.size());
    if (ZSTD_isError(r) || r != plain_len)
      return s3::Error(s3::Code::InternalError, "a compressed package of the object does not decompress to its size");
    return {};
  }

  ObjectLayer& objects_;
  ObjectInfo stored_;
  std::vector<Stream> streams_;
  KeyParts key_;
  uint64_t pos_, end_;
  std::unique_ptr<ObjectReader> reader_;
  int part_ = -1;
  uint64_t next_index_ = 0;
  std::string sealed_, plain_, frame_;
  std::unique_ptr<ZSTD_DCtx, FreeDCtx> dctx_;
  uint64_t avail_ = 0;  // plaintext bytes of plain_ not yet returned (its tail)
};

std::vector<Stream> streams_of(const ObjectInfo& stored) {
  std::vector<Stream> out;
  if (stored.parts.empty()) {
    out.push_back({kSinglePart, 0, stored.size, 0, plain_size(stored.size)});
    return out;
  }
  uint64_t sealed = 0, plain = 0;
  for (const auto& p : stored.parts) {
    out.push_back({p.number, sealed, p.size, plain, plain_size(p.size)});
    sealed += p.size;
    plain += out.back().plain_size;
  }
  return out;
}
}  // namespace

std::string new_data_key(int zstd_level) {
  std::string key = random_bytes(kKeyBytes);
  if (zstd_level > 0) key.push_back(static_cast<char>(std::min(zstd_level, ZSTD_maxCLevel())));
  return key;
}

std::string seal_data_key(std::string_view kek, const ObjectSse& sse, std::string_view data_key) {
  std::string out = random_bytes(kNonceBytes);
  std::string nonce = out;
  seal(kek, nonce, key_aad(sse), data_key.data(), data_key.size(), out);
  return base64_encode(out);
}

std::optional<std::string> open_data_key(std::string_view kek, const ObjectSse& sse) {
  std::string raw, key;
  if (kek.size() != kKeyBytes || !base64_decode(sse.sealed_key, raw) ||
      (raw.size() != kNonceBytes + kKeyBytes + kTagBytes && raw.size() != kNonceBytes + kKeyBytes + 1 + kTagBytes))
    return std::nullopt;
  if (!open(kek, std::string_view(raw).substr(0, kNonceBytes), key_aad(sse), raw.data() + kNonceBytes,
            raw.size() - kNonceBytes, key))
    return std::nullopt;
  return key;
}

ObjectInfo plain_view(ObjectInfo info) {
  if (info.meta.sse.empty()) return info;
  if (info.parts.empty()) {
    info.size = plain_size(info.size);
    return info;
  }
  info.size = 0;
  for (auto& p : info.parts) {
    p.size = plain_size(p.size);
    info.size += p.size;
  }
  return info;
}

std::unique_ptr<ObjectWriter> encrypting_writer(std::unique_ptr<ObjectWriter> inner, std::string_view data_key,
                                                int part_number, bool etag_of_plaintext) {
  return std::make_unique<EncryptingWriter>(std::move(inner), data_key, part_number, etag_of_plaintext);
}

s3::Result<std::unique_ptr<ObjectReader>> open_decrypting(ObjectLayer& objects, const ObjectInfo& stored,
                                                          std::string_view data_key, uint64_t offset, uint64_t length) {
  return std::unique_ptr<ObjectReader>(
      std::make_unique<DecryptingReader>(objects, stored, streams_of(stored), data_key, offset, length));
}

}  // namespace silt::crypto
