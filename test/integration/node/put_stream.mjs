// PutObject with a file stream as Body, the usual node pattern for files. With
// a stream the SDK cannot hash the payload up front, so under the default
// checksum settings it sends aws-chunked with a trailing x-amz-checksum-crc32.
import { createReadStream, statSync } from "node:fs";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { env, makeClient, run } from "./s3client.mjs";

run(async () => {
  const { client, requests } = makeClient();
  const file = env("FILE");
  const put = await client.send(new PutObjectCommand({
    Bucket: env("BUCKET"), Key: env("KEY"), Body: createReadStream(file),
    ContentLength: statSync(file).size,
  }));
  return { etag: put.ETag, checksumCRC32: put.ChecksumCRC32, requests };
});
