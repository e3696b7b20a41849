// The console's static files, compiled in by scripts/embed_assets.py (the .cpp is generated).
#pragma once

#include <string_view>

namespace silt::server {

struct ConsoleAsset {
  std::string_view name;  // e.g. "console.js"; "index.html" is the page itself
  std::string_view content_type;
  std::string_view etag;  // quoted, from the content's SHA-256
  std::string_view body;
};

// Null when there is no such file.
const ConsoleAsset* find_console_asset(std::string_view name);

}  // namespace silt::server
