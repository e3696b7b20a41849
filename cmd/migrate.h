// `silt admin migrate --from URL --to CONFIG`: copies a single-node silt, while it keeps
// serving, into a RADOS cluster (docs/cluster.md, "Migrating from a single node"). It reads
// the old server through its admin API's export calls (server/ops/export.h), signed with the
// root credentials, and writes the cluster directly (rados/import.h, rados/users.h, the RADOS
// object layer for buckets and their documents): users, buckets, bucket documents and every
// version with its id, ETag, Last-Modified, metadata and part layout, and every multipart
// upload in progress with its id and parts (rados/import_uploads.h). Every run makes the
// cluster equal to the source, copying only what differs, so a second run is the delta.
#pragma once

namespace CLI {
class App;
}

namespace silt {

// Registers `migrate` under `silt admin` (admin). Built with librados only.
void add_migrate_command(CLI::App& admin);

}  // namespace silt
