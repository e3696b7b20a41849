#include "cmd/bootstrap_buckets.h"

#include <algorithm>

#include "common/object_model.h"
#include "util/strings.h"

namespace silt {

s3::Result<std::vector<std::string>> parse_bootstrap_buckets(std::string_view list) {
  std::vector<std::string> names;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = trim(list.substr(pos, comma - pos), " \t\r\n");
    if (!item.empty()) {
      if (!silt::valid_bucket_name(item))
        return s3::Error(s3::Code::InvalidBucketName,
                         "'" + std::string(item) +
                             "' is not a valid bucket name (3-63 characters: lowercase letters, digits, '.', '-')");
      if (silt::is_reserved_bucket_name(item))
        return s3::Error(s3::Code::InvalidBucketName,
                         "'" + std::string(item) + "' is reserved (silt answers /minio/health/ under it)");
      if (std::find(names.begin(), names.end(), item) == names.end()) names.emplace_back(item);
    }
    pos = comma + 1;
  }
  return names;
}

s3::Result<BootstrapOutcome> create_bootstrap_buckets(ObjectLayer& objects, const std::vector<std::string>& names) {
  BootstrapOutcome out;
  for (const auto& name : names) {
    auto st = objects.make_bucket(name, "");  // "": the admin's, as auth/access.h has it
    if (st) {
      out.created.push_back(name);
    } else if (st.error().code == s3::Code::BucketAlreadyOwnedByYou ||
               st.error().code == s3::Code::BucketAlreadyExists) {
      out.existing.push_back(name);
    } else {
      return s3::Error(st.error().code, "cannot create bucket " + name + ": " + st.error().message);
    }
  }
  return out;
}

}  // namespace silt
