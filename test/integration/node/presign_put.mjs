// A presigned PUT URL for BUCKET/KEY from @aws-sdk/s3-request-presigner, with the
// PutObject parameters in PARAMS (JSON: ACL, Metadata, ServerSideEncryption, ...),
// then the upload with node's own fetch. The presigner moves x-amz-* headers into the
// URL's query ("hoisting"); S3 acts on them as headers. CHECKSUMS=when_required is the
// setting users give the SDK for presigned uploads: by default (when_supported) the
// presigner hoists the CRC32 of an empty body, which no real upload matches.
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { env, makeClient, run } from "./s3client.mjs";

run(async () => {
  const { client } = makeClient(
    process.env.CHECKSUMS ? { requestChecksumCalculation: process.env.CHECKSUMS.toUpperCase() } : {});
  const params = JSON.parse(env("PARAMS"));
  const url = await getSignedUrl(client,
    new PutObjectCommand({ Bucket: env("BUCKET"), Key: env("KEY"), ...params }), { expiresIn: 300 });
  const res = await fetch(url, { method: "PUT", body: env("BODY") });
  return { url, status: res.status, body: (await res.text()).slice(0, 2000) };
});
