#include "server/s3/form_data.h"

#include <algorithm>
#include <vector>

#include "util/strings.h"

namespace silt::server {

namespace {

s3::Error malformed() {
  return s3::Error(s3::Code::MalformedPOSTRequest,
                   "The body of your POST request is not well-formed multipart/form-data.");
}

// "type; a=b; c="d;e"" -> the type, then (lowercase name, unquoted value) pairs. A ';'
// inside quotes does not split. In a quoted value only \" and \\ are escapes: browsers
// send Windows paths with bare backslashes.
struct HeaderValue {
  std::string type;
  std::vector<std::pair<std::string, std::string>> params;
  const std::string* param(std::string_view name) const {
    for (const auto& [k, v] : params)
      if (k == name) return &v;
    return nullptr;
  }
};

HeaderValue parse_header_value(std::string_view s) {
  HeaderValue out;
  size_t i = 0;
  auto next_item = [&](bool allow_eq) {
    std::string name;
    while (i < s.size() && s[i] != ';' && !(allow_eq && s[i] == '=')) name += s[i++];
    return std::string(trim(name, kOws));
  };
  out.type = next_item(false);
  out.type = to_lower(out.type);
  while (i < s.size()) {
    ++i;  // ';'
    std::string name = next_item(true);
    name = to_lower(name);
    std::string value;
    if (i < s.size() && s[i] == '=') {
      ++i;
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
      if (i < s.size() && s[i] == '"') {
        ++i;
        while (i < s.size() && s[i] != '"') {
          if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) ++i;
          value += s[i++];
        }
        if (i < s.size()) ++i;  // closing quote
        while (i < s.size() && s[i] != ';') ++i;
      } else {
        while (i < s.size() && s[i] != ';') value += s[i++];
        value = std::string(trim(value, kOws));
      }
    }
    if (!name.empty()) out.params.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

}  // namespace

std::optional<std::string> form_boundary(std::string_view content_type) {
  HeaderValue v = parse_header_value(content_type);
  if (v.type != "multipart/form-data") return std::nullopt;
  const std::string* b = v.param("boundary");
  if (!b) return std::nullopt;
  // RFC 2046: 1 to 70 characters, never ending in a space.
  std::string_view boundary = *b;
  while (!boundary.empty() && boundary.back() == ' ') boundary.remove_suffix(1);
  if (boundary.empty() || boundary.size() > 70) return std::nullopt;
  return std::string(boundary);
}

FormDataParser::FormDataParser(std::string_view boundary, FormLimits limits)
    : dash_boundary_("--" + std::string(boundary)), delimiter_("\r\n--" + std::string(boundary)), limits_(limits) {}

void FormDataParser::feed(std::string_view bytes) {
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  if (state_ == State::Skip || state_ == State::Done) return;  // nothing after the file matters
  buf_.append(bytes);
}

s3::Error FormDataParser::too_large() const {
  return s3::Error(s3::Code::MaxPostPreDataLengthExceeded,
                   "Your POST request fields preceding the upload file were too large.")
      .with("MaxPostPreDataLengthBytes", std::to_string(limits_.max_before_file));
}

s3::Status FormDataParser::count_before_file(size_t n) {
  before_file_ += n;
  if (before_file_ > limits_.max_before_file) return too_large();
  return {};
}

bool FormDataParser::over_limit(size_t pending, size_t field_limit) const {
  return pending > field_limit || before_file_ + pending > limits_.max_before_file;
}

s3::Result<FormEvent> FormDataParser::next() {
  for (;;) {
    std::string_view in = avail();
    switch (state_) {
      case State::Preamble: {
        // The body may start with the boundary itself or with a preamble to ignore.
        size_t skip = 0;
        if (in.size() >= dash_boundary_.size() && in.substr(0, dash_boundary_.size()) == dash_boundary_) {
          skip = dash_boundary_.size();
        } else if (size_t at = in.find(delimiter_); at != std::string_view::npos) {
          skip = at + delimiter_.size();
        } else if (std::string_view(dash_boundary_).substr(0, in.size()) == in && !eof_) {
          return FormEvent{};  // could still be the leading boundary
        } else {
          if (eof_) return malformed();
          size_t keep = std::min(in.size(), delimiter_.size() - 1);
          if (auto st = count_before_file(in.size() - keep); !st) return st.error();
          pos_ += in.size() - keep;
          return FormEvent{};
        }
        if (auto st = count_before_file(skip); !st) return st.error();
        pos_ += skip;
        state_ = State::AfterBoundary;
        continue;
      }
      case State::AfterBoundary: {
        // "--" closes the body; otherwise optional transport padding, then CRLF.
        if (in.size() >= 2 && in.substr(0, 2) == "--") {
          pos_ = buf_.size();
          state_ = State::Done;
          continue;
        }
        size_t i = 0;
        while (i < in.size() && (in[i] == ' ' || in[i] == '\t')) ++i;
        if (in.size() - i >= 2) {
          if (in.substr(i, 2) != "\r\n") return malformed();
          if (auto st = count_before_file(i + 2); !st) return st.error();
          pos_ += i + 2;
          state_ = State::Headers;
          continue;
        }
        if (in == "-" || (i == in.size() || in.substr(i) == "\r")) {
          if (eof_) return malformed();
          if (over_limit(in.size(), limits_.max_field)) return too_large();
          return FormEvent{};
        }
        return malformed();
      }
      case State::Headers: {
        size_t end = 0, skip = 0;
        if (in.size() >= 2 && in.substr(0, 2) == "\r\n") {  // a part with no headers at all
          skip = 2;
        } else if (size_t at = in.find("\r\n\r\n"); at != std::string_view::npos) {
          end = at;
          skip = at + 4;
        } else {
          if (eof_) return malformed();
          if (over_limit(in.size(), limits_.max_field)) return too_large();
          return FormEvent{};
        }
        auto ev = parse_headers(in.substr(0, end));
        if (!ev) return ev;
        if (auto st = count_before_file(skip); !st) return st.error();
        pos_ += skip;
        scan_ = 0;
        if (ev->kind == FormEvent::Kind::FileBegin) {
          state_ = State::FileData;
          return ev;
        }
        part_ = std::move(*ev);
        state_ = State::FieldValue;
        continue;
      }
      case State::FieldValue: {
        size_t at = in.find(delimiter_, scan_);
        if (at == std::string_view::npos) {
          if (eof_) return malformed();
          if (over_limit(in.size(), limits_.max_field + delimiter_.size())) return too_large();
          scan_ = in.size() >= delimiter_.size() ? in.size() - delimiter_.size() + 1 : 0;
          return FormEvent{};
        }
        if (at > limits_.max_field) return too_large();
        if (auto st = count_before_file(at + delimiter_.size()); !st) return st.error();
        FormEvent ev;
        ev.kind = FormEvent::Kind::Field;
        ev.name = std::move(part_.name);
        ev.value = std::string(in.substr(0, at));
        pos_ += at + delimiter_.size();
        state_ = State::AfterBoundary;
        return ev;
      }
      case State::FileData: {
        size_t at = in.find(delimiter_);
        FormEvent ev;
        if (at == 0) {
          pos_ += delimiter_.size();
          state_ = State::Skip;
          ev.kind = FormEvent::Kind::FileEnd;
          return ev;
        }
        // Without a delimiter in view, the last delimiter-1 bytes may be its beginning.
        size_t safe = at != std::string_view::npos     ? at
                      : in.size() >= delimiter_.size() ? in.size() - delimiter_.size() + 1
                                                       : 0;
        if (safe == 0) {
          if (eof_) return malformed();
          return FormEvent{};
        }
        size_t n = std::min(safe, limits_.max_file_chunk);
        ev.kind = FormEvent::Kind::FileData;
        ev.data = in.substr(0, n);
        pos_ += n;
        return ev;
      }
      case State::Skip:
      case State::Done: {
        pos_ = buf_.size();
        FormEvent ev;
        if (eof_) ev.kind = FormEvent::Kind::End;
        return ev;
      }
    }
  }
}

s3::Result<FormEvent> FormDataParser::parse_headers(std::string_view block) {
  FormEvent ev;
  ev.kind = FormEvent::Kind::Field;
  std::optional<HeaderValue> disposition;
  while (!block.empty()) {
    size_t eol = block.find("\r\n");
    std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view{} : block.substr(eol + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return malformed();
    std::string_view name = trim(line.substr(0, colon), kOws), value = trim(line.substr(colon + 1), kOws);
    if (iequals(name, "content-disposition")) {
      disposition = parse_header_value(value);
    } else if (iequals(name, "content-type")) {
      ev.content_type = std::string(value);
    }
  }
  // RFC 7578 §4.2: every part names its field in a form-data disposition.
  if (!disposition || !disposition->param("name")) return malformed();
  ev.name = *disposition->param("name");
  if (const std::string* f = disposition->param("filename")) ev.filename = *f;
  if (disposition->type == "form-data" && iequals(ev.name, "file")) ev.kind = FormEvent::Kind::FileBegin;
  return ev;
}

}  // namespace silt::server
