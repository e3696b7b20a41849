// The streaming multipart/form-data parser behind browser POST uploads.
#include <catch2/catch.hpp>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "server/s3/form_data.h"

using namespace silt::server;

namespace {

constexpr const char* kBoundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

std::string part(std::string_view name, std::string_view value) {
  return std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + std::string(name) +
         "\"\r\n\r\n" + std::string(value) + "\r\n";
}

// File bytes that look like the delimiter without being it: a CRLF and dashes, the
// boundary without its CRLF, and the delimiter cut one byte short at the very end.
std::string tricky_file() {
  std::string d = std::string("\r\n--") + kBoundary;
  return "\x89PNG\r\n\x1a\n\r\n--\r\n-" + std::string(kBoundary) + "--" + std::string(kBoundary) + "\r\n" +
         std::string(1, '\0') + d.substr(0, d.size() - 1) + "x" + d.substr(0, d.size() - 1);
}

std::string sample_form() {
  return "This is a preamble, to be ignored.\r\n" + part("key", "user/${filename}") +
         part("X-Amz-Meta-Note", "two\r\nlines") + part("empty", "") + "--" + kBoundary +
         "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"C:\\\\dir\\\\pic \\\"1\\\".png\"\r\n"
         "Content-Type: image/png\r\n\r\n" +
         tricky_file() + "\r\n" + part("submit", "Upload to Amazon S3") + "--" + kBoundary + "--\r\nepilogue";
}

struct Parsed {
  std::vector<std::pair<std::string, std::string>> fields;
  std::optional<std::string> filename;
  std::string file_content_type;
  std::string file;
  bool file_begun = false, file_ended = false, ended = false;
  std::optional<s3::Error> error;
  size_t largest_chunk = 0;
};

// Feeds body in the given pieces, pulling every event after each, then finishes.
Parsed parse(const std::vector<std::string_view>& pieces, FormLimits limits = {}) {
  FormDataParser p(kBoundary, limits);
  Parsed out;
  auto drain = [&]() -> bool {
    for (;;) {
      auto ev = p.next();
      if (!ev) {
        out.error = ev.error();
        return false;
      }
      switch (ev->kind) {
        case FormEvent::Kind::NeedMore: return true;
        case FormEvent::Kind::Field:
          REQUIRE_FALSE(out.file_begun);
          out.fields.emplace_back(ev->name, ev->value);
          break;
        case FormEvent::Kind::FileBegin:
          REQUIRE_FALSE(out.file_begun);
          out.file_begun = true;
          out.filename = ev->filename;
          out.file_content_type = ev->content_type;
          break;
        case FormEvent::Kind::FileData:
          REQUIRE(out.file_begun);
          REQUIRE_FALSE(out.file_ended);
          REQUIRE_FALSE(ev->data.empty());
          out.file.append(ev->data);
          out.largest_chunk = std::max(out.largest_chunk, ev->data.size());
          break;
        case FormEvent::Kind::FileEnd: out.file_ended = true; break;
        case FormEvent::Kind::End: out.ended = true; return false;
      }
    }
  };
  for (auto piece : pieces) {
    p.feed(piece);
    if (!drain()) return out;
  }
  p.finish();
  drain();
  return out;
}

void check_sample(const Parsed& r) {
  REQUIRE_FALSE(r.error);
  REQUIRE(r.fields.size() == 3);
  CHECK(r.fields[0] == std::pair<std::string, std::string>{"key", "user/${filename}"});
  CHECK(r.fields[1] == std::pair<std::string, std::string>{"X-Amz-Meta-Note", "two\r\nlines"});
  CHECK(r.fields[2] == std::pair<std::string, std::string>{"empty", ""});
  CHECK(r.file_begun);
  REQUIRE(r.filename);
  CHECK(*r.filename == "C:\\dir\\pic \"1\".png");
  CHECK(r.file_content_type == "image/png");
  CHECK(r.file == tricky_file());
  CHECK(r.file_ended);
  CHECK(r.ended);
}

}  // namespace

TEST_CASE("a whole form in one piece", "[form_data]") {
  std::string body = sample_form();
  check_sample(parse({body}));
}

TEST_CASE("the body split at every byte boundary", "[form_data]") {
  std::string body = sample_form();
  std::string_view v = body;
  for (size_t i = 0; i <= body.size(); ++i) {
    INFO("split at " << i);
    check_sample(parse({v.substr(0, i), v.substr(i)}));
  }
}

TEST_CASE("the body split in three at every pair of boundaries around the file's end", "[form_data]") {
  std::string body = sample_form();
  std::string_view v = body;
  size_t file_end =
      body.find("\r\n--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=\"submit\"");
  REQUIRE(file_end != std::string::npos);
  for (size_t i = file_end - 60; i < file_end + 50; ++i)
    for (size_t j = i; j < file_end + 50; ++j) {
      INFO("split at " << i << " and " << j);
      check_sample(parse({v.substr(0, i), v.substr(i, j - i), v.substr(j)}));
    }
}

TEST_CASE("the body one byte at a time and in random pieces", "[form_data]") {
  std::string body = sample_form();
  std::string_view v = body;
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < body.size(); ++i) bytes.push_back(v.substr(i, 1));
  check_sample(parse(bytes));

  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string_view> pieces;
    for (size_t at = 0; at < body.size();) {
      size_t n = std::uniform_int_distribution<size_t>(0, 40)(rng);
      pieces.push_back(v.substr(at, n));
      at += n;
    }
    check_sample(parse(pieces));
  }
}

TEST_CASE("file data comes out in bounded pieces", "[form_data]") {
  std::string body = sample_form();
  FormLimits limits;
  limits.max_file_chunk = 7;
  auto r = parse({body}, limits);
  check_sample(r);
  CHECK(r.largest_chunk == 7);
}

TEST_CASE("a large file is streamed and never buffered whole", "[form_data]") {
  std::string file(3 << 20, 'a');
  for (size_t i = 0; i < file.size(); i += 1000) file[i] = '\r';
  std::string head =
      part("key", "big") + "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n";
  std::string tail = "\r\n--" + std::string(kBoundary) + "--\r\n";
  FormDataParser p(kBoundary);
  p.feed(head);
  std::string got;
  size_t max_pending = 0;
  bool ended = false;
  auto drain = [&] {
    for (;;) {
      auto ev = p.next();
      REQUIRE(ev.ok());
      if (ev->kind == FormEvent::Kind::NeedMore) return;
      if (ev->kind == FormEvent::Kind::FileBegin) CHECK_FALSE(ev->filename);
      if (ev->kind == FormEvent::Kind::FileData) got.append(ev->data);
      if (ev->kind == FormEvent::Kind::End) {
        ended = true;
        return;
      }
    }
  };
  drain();
  for (size_t at = 0; at < file.size(); at += 65536) {
    p.feed(std::string_view(file).substr(at, 65536));
    drain();
    // What is held back is at most a delimiter's length.
    max_pending = std::max(max_pending, at + std::min<size_t>(65536, file.size() - at) - got.size());
  }
  p.feed(tail);
  p.finish();
  drain();
  CHECK(got == file);
  CHECK(ended);
  CHECK(max_pending < std::string("\r\n--").size() + std::string(kBoundary).size());
}

TEST_CASE("forms without a file or with an empty file or with padding", "[form_data]") {
  SECTION("no file part: fields, then the end") {
    std::string body = part("key", "a") + "--" + kBoundary + "--";
    auto r = parse({body});
    REQUIRE_FALSE(r.error);
    CHECK(r.fields.size() == 1);
    CHECK_FALSE(r.file_begun);
    CHECK(r.ended);
  }
  SECTION("an empty file with an empty filename") {
    std::string body = "--" + std::string(kBoundary) +
                       "\r\nContent-Disposition: form-data; name=\"File\"; filename=\"\"\r\n\r\n\r\n--" + kBoundary +
                       "--\r\n";
    auto r = parse({body});
    REQUIRE_FALSE(r.error);
    CHECK(r.file_begun);
    REQUIRE(r.filename);
    CHECK(r.filename->empty());
    CHECK(r.file.empty());
    CHECK(r.file_ended);
  }
  SECTION("transport padding after a boundary, and header names in any case") {
    std::string body = "--" + std::string(kBoundary) +
                       "  \t\r\ncontent-disposition: FORM-DATA; NAME=key\r\n\r\nv\r\n--" + kBoundary + "--";
    auto r = parse({body});
    REQUIRE_FALSE(r.error);
    REQUIRE(r.fields.size() == 1);
    CHECK(r.fields[0].first == "key");
    CHECK(r.fields[0].second == "v");
  }
  SECTION("a part named file that is not form-data is an ordinary field") {
    std::string body = "--" + std::string(kBoundary) +
                       "\r\nContent-Disposition: attachment; name=\"file\"\r\n\r\nx\r\n--" + kBoundary + "--";
    auto r = parse({body});
    REQUIRE_FALSE(r.error);
    CHECK(r.fields.size() == 1);
    CHECK_FALSE(r.file_begun);
  }
}

TEST_CASE("malformed forms", "[form_data]") {
  const std::string b = kBoundary;
  const std::pair<const char*, std::string> cases[] = {
      {"empty body", ""},
      {"no boundary anywhere", "just some text\r\n"},
      {"junk after a boundary",
       "--" + b + "xx\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--" + b + "--"},
      {"a part without a name", "--" + b + "\r\nContent-Disposition: form-data\r\n\r\nv\r\n--" + b + "--"},
      {"a part without headers", "--" + b + "\r\n\r\nv\r\n--" + b + "--"},
      {"a header line without a colon", "--" + b + "\r\nContent-Disposition form-data\r\n\r\nv\r\n--" + b + "--"},
      {"the body ends inside a field", part("a", "b").substr(0, 60)},
      {"the body ends inside the file",
       "--" + b + "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nsome bytes and no delimiter"},
      {"the body ends inside headers", "--" + b + "\r\nContent-Disposition: form-data; name=\"a\"\r\n"},
  };
  for (const auto& [what, body] : cases) {
    INFO(what);
    auto r = parse({body});
    REQUIRE(r.error);
    CHECK(r.error->code == s3::Code::MalformedPOSTRequest);
    CHECK(r.error->message == "The body of your POST request is not well-formed multipart/form-data.");
  }
}

TEST_CASE("limits on what precedes the file", "[form_data]") {
  FormLimits limits;
  limits.max_field = 100;
  limits.max_before_file = 1000;
  SECTION("one field at the limit passes, one byte more fails") {
    auto ok = parse({part("a", std::string(100, 'x')) + "--" + kBoundary + "--"}, limits);
    CHECK_FALSE(ok.error);
    auto big = parse({part("a", std::string(101, 'x')) + "--" + kBoundary + "--"}, limits);
    REQUIRE(big.error);
    CHECK(big.error->code == s3::Code::MaxPostPreDataLengthExceeded);
    CHECK(big.error->extra.at("MaxPostPreDataLengthBytes") == "1000");
  }
  SECTION("a field that never ends fails once it is too long, before the body is over") {
    FormDataParser p(kBoundary, limits);
    p.feed("--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n");
    bool failed = false;
    for (int i = 0; i < 100 && !failed; ++i) {
      p.feed(std::string(10, 'x'));
      auto ev = p.next();
      if (!ev)
        failed = true;
      else
        CHECK(ev->kind == FormEvent::Kind::NeedMore);
    }
    CHECK(failed);
  }
  SECTION("many small fields add up") {
    std::string body;
    for (int i = 0; i < 20; ++i) body += part("f" + std::to_string(i), std::string(50, 'x'));
    body += "--" + std::string(kBoundary) + "--";
    auto r = parse({body}, limits);
    REQUIRE(r.error);
    CHECK(r.error->message == "Your POST request fields preceding the upload file were too large.");
  }
  SECTION("a file larger than every limit is fine") {
    std::string body = "--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n" +
                       std::string(5000, 'z') + "\r\n--" + kBoundary + "--";
    auto r = parse({body}, limits);
    REQUIRE_FALSE(r.error);
    CHECK(r.file.size() == 5000);
  }
  SECTION("whatever follows the file is not looked at") {
    std::string body = "--" + std::string(kBoundary) +
                       "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nz\r\n--" + kBoundary +
                       "\r\nnot even a header\r\n" + std::string(5000, 'q');
    auto r = parse({body}, limits);
    REQUIRE_FALSE(r.error);
    CHECK(r.file == "z");
    CHECK(r.ended);
  }
}

TEST_CASE("by default, AWS's 20 KiB before the file, part headers included", "[form_data]") {
  SECTION("a policy-sized field passes") {
    auto ok = parse({part("policy", std::string(16 * 1024, 'p')) + "--" + kBoundary + "--"});
    CHECK_FALSE(ok.error);
  }
  SECTION("a field of 20 KiB does not") {
    auto big = parse({part("policy", std::string(20 * 1024 + 1, 'p')) + "--" + kBoundary + "--"});
    REQUIRE(big.error);
    CHECK(big.error->code == s3::Code::MaxPostPreDataLengthExceeded);
    CHECK(big.error->extra.at("MaxPostPreDataLengthBytes") == "20480");
  }
  SECTION("part headers that never end fail before 20 KiB more arrive") {
    FormDataParser p(kBoundary);
    p.feed("--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=\"a\"; x=\"");
    bool failed = false;
    size_t fed = 0;
    while (!failed && fed < (1 << 20)) {
      p.feed(std::string(1000, 'h'));
      fed += 1000;
      failed = !p.next();
    }
    CHECK(failed);
    CHECK(fed <= 21 * 1024);
  }
}

TEST_CASE("the boundary from Content-Type", "[form_data]") {
  CHECK(form_boundary("multipart/form-data; boundary=abc") == "abc");
  CHECK(form_boundary("Multipart/Form-Data;boundary=\"a b:c\"") == "a b:c");
  CHECK(form_boundary("multipart/form-data; charset=utf-8; BOUNDARY=xyz") == "xyz");
  CHECK(form_boundary("multipart/form-data; boundary=9431149156168") == "9431149156168");
  CHECK_FALSE(form_boundary("multipart/form-data"));
  CHECK_FALSE(form_boundary("multipart/form-data; boundary="));
  CHECK_FALSE(form_boundary("multipart/mixed; boundary=abc"));
  CHECK_FALSE(form_boundary("text/plain"));
  CHECK_FALSE(form_boundary("multipart/form-data; boundary=" + std::string(71, 'a')));
  CHECK(form_boundary("multipart/form-data; boundary=" + std::string(70, 'a')));
}
