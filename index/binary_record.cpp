#include "index/binary_record.h"

#include <limits>
#include <type_traits>

#include "index/varint.h"

namespace silt {
namespace {

// A field is a varint key, (tag << 1) | kind, then its value: kind 0 a varint,
// kind 1 a varint length and that many bytes (a string, a packed list of
// varints, or a nested group of fields). Within a group tags ascend, so a
// reader meeting a smaller tag than it expects skips a field it does not know,
// and a larger one means the field it expects is absent.
enum Kind : uint64_t { kVarint = 0, kBytes = 1 };

// Signed numbers travel as their two's-complement bit pattern (a negative one
// costs ten bytes; mtimes and lock dates are positive in practice).
template <class T>
uint64_t to_wire(T v) {
  if constexpr (std::is_same_v<T, bool>)
    return v ? 1 : 0;
  else
    return static_cast<uint64_t>(static_cast<std::make_signed_t<T>>(v));
}

template <class T>
bool from_wire(uint64_t u, T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    if (u > 1) return false;
    v = u == 1;
  } else if constexpr (std::is_signed_v<T>) {
    const auto s = static_cast<int64_t>(u);
    if (s < std::numeric_limits<T>::min() || s > std::numeric_limits<T>::max()) return false;
    v = static_cast<T>(s);
  } else {
    if (u > std::numeric_limits<T>::max()) return false;
    v = static_cast<T>(u);
  }
  return true;
}

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  template <class T>
  void num(uint32_t tag, const T& v) {
    key(tag, kVarint);
    varint::put(out_, to_wire(v));
  }
  void str(uint32_t tag, const std::string& s) {
    key(tag, kBytes);
    varint::put_bytes(out_, s);
  }
  void ints(uint32_t tag, const std::vector<int>& v) {
    std::string packed;
    for (int i : v) varint::put(packed, to_wire(i));
    str(tag, packed);
  }
  template <class T, class F>
  void group(uint32_t tag, const T& v, F fields) {
    std::string sub;
    Writer w(sub);
    fields(w, v);
    str(tag, sub);
  }
  template <class T, class F>
  void each(uint32_t tag, const std::vector<T>& v, F fields) {
    for (const T& e : v) group(tag, e, fields);
  }

 private:
  void key(uint32_t tag, Kind kind) { varint::put(out_, (uint64_t{tag} << 1) | kind); }
  std::string& out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }

  template <class T>
  void num(uint32_t tag, T& v) {
    uint64_t u = 0;
    if (at(tag, kVarint)) ok_ = varint::get(in_, u) && from_wire(u, v);
  }
  void str(uint32_t tag, std::string& s) {
    std::string_view b;
    if (bytes(tag, b)) s.assign(b);
  }
  void ints(uint32_t tag, std::vector<int>& v) {
    std::string_view b;
    if (!bytes(tag, b)) return;
    v.clear();
    while (ok_ && !b.empty()) {
      uint64_t u = 0;
      int i = 0;
      ok_ = varint::get(b, u) && from_wire(u, i);
      if (ok_) v.push_back(i);
    }
  }
  template <class T, class F>
  void group(uint32_t tag, T& v, F fields) {
    std::string_view b;
    if (!bytes(tag, b)) return;
    Reader sub(b);
    fields(sub, v);
    ok_ = sub.finish();
  }
  template <class T, class F>
  void each(uint32_t tag, std::vector<T>& v, F fields) {
    v.clear();
    std::string_view b;
    while (ok_ && bytes(tag, b)) {
      Reader sub(b);
      fields(sub, v.emplace_back());
      ok_ = sub.finish();
    }
  }
  // Skips what is left (fields of a newer silt); false if the group was malformed.
  bool finish() {
    while (ok_ && !in_.empty()) skip_one();
    return ok_;
  }

 private:
  // True when the next field is tag, of kind; skips unknown smaller tags first.
  bool at(uint32_t tag, Kind kind) {
    while (ok_ && !in_.empty()) {
      std::string_view rest = in_;
      uint64_t key = 0;
      if (!varint::get(rest, key)) return ok_ = false;
      if ((key >> 1) > tag) return false;  // absent: the default stays
      if ((key >> 1) == tag) {
        in_ = rest;
        if ((key & 1) != kind) return ok_ = false;
        return true;
      }
      skip_one();
    }
    return false;
  }
  bool bytes(uint32_t tag, std::string_view& b) { return at(tag, kBytes) && (ok_ = varint::get_bytes(in_, b)); }
  void skip_one() {
    uint64_t key = 0, u = 0;
    std::string_view b;
    ok_ = varint::get(in_, key) && ((key & 1) == kVarint ? varint::get(in_, u) : varint::get_bytes(in_, b));
  }

  std::string_view in_;
  bool ok_ = true;
};

// The one list of the record's fields, for both directions: Io is Writer (R
// const) or Reader. A new field is one line here, with the next free tag of its
// group (never reuse a tag), plus its line in the JSON codec (object_record.cpp).
template <class Io, class R>
void pair_fields(Io& io, R& p) {
  io.str(1, p.first);
  io.str(2, p.second);
}

template <class Io, class R>
void meta_fields(Io& io, R& m) {
  auto pair = [](Io& sub, auto& p) { pair_fields(sub, p); };
  io.str(1, m.content_type);
  io.str(2, m.content_encoding);
  io.str(3, m.content_disposition);
  io.str(4, m.content_language);
  io.str(5, m.cache_control);
  io.str(6, m.expires);
  io.each(7, m.user, pair);
  io.each(8, m.checksums, pair);
  io.str(9, m.checksum_type);
  io.str(10, m.storage_class);
  io.each(11, m.tags, pair);
  io.str(12, m.acl);
  io.group(13, m.lock, [](Io& sub, auto& l) {
    sub.str(1, l.mode);
    sub.num(2, l.retain_until_ms);
    sub.num(3, l.legal_hold);
    sub.num(4, l.legal_hold_set);
  });
  io.group(14, m.sse, [](Io& sub, auto& s) {
    sub.str(1, s.algorithm);
    sub.str(2, s.key_id);
    sub.str(3, s.sealed_key);
    sub.str(4, s.context);
    sub.num(5, s.bucket_key);
  });
  io.str(15, m.writer);
}

template <class Io, class R>
void layout_fields(Io& io, R& l) {
  io.num(1, l.k);
  io.num(2, l.m);
  io.num(3, l.block_size);
  io.str(4, l.data_id);
  io.ints(5, l.distribution);
  io.str(6, l.pool);
  io.str(7, l.compression);
  io.num(8, l.stored);
  io.each(9, l.segments, [](Io& sub, auto& s) {
    sub.num(1, s.segment);
    sub.num(2, s.offset);
    sub.num(3, s.length);
  });
}

template <class Io, class R>
void part_fields(Io& io, R& p) {
  io.num(1, p.number);
  io.num(2, p.size);
  io.str(3, p.etag);
  io.str(4, p.data_id);
  io.ints(5, p.distribution);
  io.each(6, p.checksums, [](Io& sub, auto& c) { pair_fields(sub, c); });
  io.num(7, p.stored);
}

template <class Io, class R>
void record_fields(Io& io, R& r) {
  io.str(1, r.info.bucket);
  io.str(2, r.info.key);
  io.str(3, r.info.version_id);
  io.num(4, r.info.size);
  io.str(5, r.info.etag);
  io.num(6, r.info.mtime_ms);
  io.group(7, r.info.meta, [](Io& sub, auto& m) { meta_fields(sub, m); });
  io.num(8, r.info.delete_marker);
  io.str(9, r.version_key);
  io.str(10, r.upload_id);
  io.group(11, r.layout, [](Io& sub, auto& l) { layout_fields(sub, l); });
  io.each(12, r.parts, [](Io& sub, auto& p) { part_fields(sub, p); });
}

}  // namespace

void encode_binary_record(const ObjectRecord& r, std::string& out) {
  Writer w(out);
  record_fields(w, r);
}

bool decode_binary_record(std::string_view in, ObjectRecord& r) {
  Reader rd(in);
  record_fields(rd, r);
  return rd.finish();
}

}  // namespace silt
