// The XML documents of PutPublicAccessBlock and PutBucketOwnershipControls, parsed apart
// from their handlers (server/s3/handlers/bucket_documents.cpp) so the access cache
// (bucket_access.h) and the unit tests reach them without a server. Each is stored as the
// canonical document *_xml() writes, so a Get answers exactly what the cache decides on.
#pragma once

#include <string>
#include <string_view>

#include "auth/public_access.h"
#include "common/error.h"

namespace silt::server {

// <PublicAccessBlockConfiguration> with up to four boolean elements (BlockPublicAcls,
// IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets); a missing one is false.
// MalformedXML for another root, an unknown element, a repeated one or a value other
// than true/false.
s3::Result<auth::PublicAccessBlock> parse_public_access_block(std::string_view xml);
// All four elements, in AWS's order.
std::string public_access_block_xml(const auth::PublicAccessBlock& block);

// <OwnershipControls><Rule><ObjectOwnership>X</ObjectOwnership></Rule></OwnershipControls>:
// exactly one rule naming one of the three settings. MalformedXML otherwise.
s3::Result<auth::ObjectOwnership> parse_ownership_controls(std::string_view xml);
std::string ownership_controls_xml(auth::ObjectOwnership ownership);

}  // namespace silt::server
