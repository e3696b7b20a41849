// PostObject: browser form uploads (multipart/form-data) with a signed policy.
#include "server/handlers/handlers.h"

namespace silt::server::handlers {

awaitable<Result> post_object(RequestContext&) {
  co_return s3::Error(s3::Code::NotImplemented, "POST object uploads are not implemented yet.");
}

}  // namespace silt::server::handlers
