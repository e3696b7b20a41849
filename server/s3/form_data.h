// A streaming multipart/form-data parser (RFC 7578 over RFC 2046 §5.1) for S3's
// browser POST uploads. It knows nothing of sockets: the caller feeds bytes as
// they arrive and pulls events. Fields before the part named "file" are small
// and buffered whole (bounded by Limits); the file's bytes are handed out as
// they come, keeping back only a tail that could be the start of the closing
// delimiter. Everything after the file part is skipped unread, as S3 ignores it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace silt::server {

// The boundary parameter of a multipart/form-data Content-Type (quoted or not);
// nullopt when this is not multipart/form-data or the boundary is missing or invalid.
std::optional<std::string> form_boundary(std::string_view content_type);

// All that a form may hold before its file is read before the form is authenticated, so it
// is small: AWS's MaxPostPreDataLengthBytes (20480) bounds the preamble, every boundary, every
// part's headers and every field value before the file's bytes.
struct FormLimits {
  size_t max_field = 20 * 1024;        // one field's value
  size_t max_before_file = 20 * 1024;  // everything before the file's bytes: headers, fields, boundaries
  size_t max_file_chunk = 1 << 20;     // largest FileData event
};

struct FormEvent {
  enum class Kind {
    NeedMore,   // feed() more bytes, or finish() at the end of the body
    Field,      // name, value
    FileBegin,  // name, filename (when the part has one), content_type of the part
    FileData,   // data
    FileEnd,    // the file part is complete; what follows is skipped
    End,        // the body is over (with or without a file part)
  };
  Kind kind = Kind::NeedMore;
  std::string name;
  std::string value;
  std::optional<std::string> filename;
  std::string content_type;
  // Points into the parser's buffer: valid until the next feed().
  std::string_view data;
};

class FormDataParser {
 public:
  explicit FormDataParser(std::string_view boundary, FormLimits limits = {});

  // Appends body bytes. Invalidates the data of earlier FileData events.
  void feed(std::string_view bytes);
  // No more bytes will come.
  void finish() { eof_ = true; }
  // The next event. Errors: InvalidArgument (malformed form data, a field or the
  // fields before the file too large).
  s3::Result<FormEvent> next();

  // Bytes before the file part's content (what max_before_file bounds).
  size_t bytes_before_file() const { return before_file_; }

 private:
  enum class State { Preamble, AfterBoundary, Headers, FieldValue, FileData, Skip, Done };

  s3::Result<FormEvent> parse_headers(std::string_view block);
  s3::Status count_before_file(size_t n);
  s3::Error too_large() const;
  // pending unparsed bytes would break a limit even before more arrive
  bool over_limit(size_t pending, size_t field_limit) const;
  std::string_view avail() const { return std::string_view(buf_).substr(pos_); }

  std::string dash_boundary_;  // "--" boundary
  std::string delimiter_;      // CRLF "--" boundary
  FormLimits limits_;
  std::string buf_;
  size_t pos_ = 0;   // first unparsed byte of buf_
  size_t scan_ = 0;  // in FieldValue: offset (from pos_) already searched for the delimiter
  State state_ = State::Preamble;
  bool eof_ = false;
  size_t before_file_ = 0;
  FormEvent part_;  // name and headers of the part being read
};

}  // namespace silt::server
