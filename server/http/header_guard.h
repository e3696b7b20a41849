// The last look at a response before its head is written: every header must obey
// HTTP's field grammar, and every response tells browsers not to sniff or run it.
// Handlers validate what they accept (with the S3 error a client can act on); this
// is the backstop for anything they missed, including values stored before they
// validated.
#pragma once

#include <optional>
#include <string>

#include "server/s3/response.h"

namespace silt::server {

// The first header of r (Content-Type included) whose name is not a token or whose
// value holds a control character other than HTAB (CR, LF, NUL, ...), printable for a
// log line: non-printable bytes as \xNN. Nothing when every header is sound.
std::optional<std::string> unsafe_header(const Response& r);

// X-Content-Type-Options: nosniff and Content-Security-Policy: sandbox, unless r
// brings a policy of its own (the console does). silt serves objects and documents,
// never pages: an HTML or SVG object opened from silt's origin, which is also the
// console's, runs no script and reaches no cookie. A PDF (Content-Type
// application/pdf) gets no sandbox: Chrome's and Safari's viewers show a blank page
// in one, and they run a PDF's scripts apart from the serving origin anyway.
void add_browser_defaults(Response& r);

}  // namespace silt::server
