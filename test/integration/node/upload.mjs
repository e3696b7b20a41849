// lib-storage Upload of FILE to BUCKET/KEY with the default part size (5 MiB)
// and queue size (4). Prints the result and the recorded request headers.
import { createReadStream } from "node:fs";
import { Upload } from "@aws-sdk/lib-storage";
import { env, makeClient, run } from "./s3client.mjs";

run(async () => {
  const { client, requests } = makeClient();
  const upload = new Upload({
    client,
    params: { Bucket: env("BUCKET"), Key: env("KEY"), Body: createReadStream(env("FILE")) },
  });
  let progressEvents = 0;
  upload.on("httpUploadProgress", () => { progressEvents++; });
  const out = await upload.done();
  return {
    etag: out.ETag, key: out.Key, bucket: out.Bucket, location: out.Location,
    checksumCRC32: out.ChecksumCRC32, checksumType: out.ChecksumType,
    progressEvents, requests,
  };
});
