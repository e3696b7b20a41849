// PutObject with the SDK's default checksum (CRC32 under the default
// requestChecksumCalculation=WHEN_SUPPORTED), then GetObject with
// ChecksumMode ENABLED: the SDK checks the body against the returned
// x-amz-checksum-* header and throws if they differ.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { env, makeClient, run } from "./s3client.mjs";

run(async () => {
  const { client, requests } = makeClient();
  const Bucket = env("BUCKET");
  const Key = env("KEY");
  const body = readFileSync(env("FILE"));
  const put = await client.send(new PutObjectCommand({ Bucket, Key, Body: body }));
  const head = await client.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: "ENABLED" }));
  const get = await client.send(new GetObjectCommand({ Bucket, Key, ChecksumMode: "ENABLED" }));
  // The validation happens while the body is read; a mismatch throws here.
  const bytes = await get.Body.transformToByteArray();
  return {
    putETag: put.ETag, putCRC32: put.ChecksumCRC32,
    headCRC32: head.ChecksumCRC32,
    getCRC32: get.ChecksumCRC32, getChecksumType: get.ChecksumType,
    length: bytes.length, md5: createHash("md5").update(bytes).digest("hex"),
    requests,
  };
});
