// A presigned GET URL for BUCKET/KEY from @aws-sdk/s3-request-presigner,
// fetched with node's own fetch (no SDK on the fetching side).
import { createHash } from "node:crypto";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { env, makeClient, run } from "./s3client.mjs";

run(async () => {
  const { client } = makeClient();
  const url = await getSignedUrl(client,
    new GetObjectCommand({ Bucket: env("BUCKET"), Key: env("KEY") }), { expiresIn: 300 });
  const res = await fetch(url);
  const bytes = Buffer.from(await res.arrayBuffer());
  // A tampered signature must be refused, so the 200 above means silt checked it.
  const bad = new URL(url);
  const sig = bad.searchParams.get("X-Amz-Signature");
  bad.searchParams.set("X-Amz-Signature", (sig[0] === "0" ? "1" : "0") + sig.slice(1));
  const badRes = await fetch(bad);
  return {
    url, status: res.status, etag: res.headers.get("etag"),
    length: bytes.length, md5: createHash("md5").update(bytes).digest("hex"),
    tamperedStatus: badRes.status, tamperedBody: (await badRes.text()).slice(0, 500),
  };
});
