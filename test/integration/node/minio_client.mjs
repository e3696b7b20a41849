// The MinIO JavaScript client (npm `minio`) with its defaults, as an application
// written for MinIO uses it: makeBucket, bucketExists, putObject (one PUT, and a
// multipart stream), statObject, getObject, listObjectsV2, presignedGetObject
// fetched with node's own fetch, removeObject, removeBucket. ENDPOINT is
// http://HOST:PORT; ACCESS_KEY/SECRET_KEY the root pair; BUCKET does not exist yet.
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import * as Minio from "minio";
import { env, run } from "./s3client.mjs";

const md5 = (b) => createHash("md5").update(b).digest("hex");

async function readAll(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

async function list(client, bucket, prefix, recursive) {
  const out = [];
  for await (const o of client.listObjectsV2(bucket, prefix, recursive)) out.push(o);
  return out.map((o) => (o.prefix ? { prefix: o.prefix } : { name: o.name, size: o.size, etag: o.etag }));
}

async function errorOf(promise) {
  try {
    await promise;
    return null;
  } catch (e) {
    return { code: e.code, status: e.$metadata?.httpStatusCode ?? e.statusCode };
  }
}

run(async () => {
  const url = new URL(env("ENDPOINT"));
  const client = new Minio.Client({
    endPoint: url.hostname, port: Number(url.port), useSSL: false,
    accessKey: env("ACCESS_KEY"), secretKey: env("SECRET_KEY"),
    partSize: 5 * 1024 * 1024,  // the smallest S3 allows, so 11 MiB goes multipart
  });
  const bucket = env("BUCKET");
  const out = {};
  out.existsBefore = await client.bucketExists(bucket);
  await client.makeBucket(bucket, "us-east-1");
  out.existsAfter = await client.bucketExists(bucket);

  const text = Buffer.from("hello from the minio client\n");
  const put = await client.putObject(bucket, "docs/hello.txt", text, text.length, { "Content-Type": "text/plain", "X-Amz-Meta-Origin": "minio-js" });
  out.putEtag = put.etag;
  const big = randomBytes(11 * 1024 * 1024 + 5);
  const bigPut = await client.putObject(bucket, "blobs/big.bin", Readable.from([big]), big.length);
  out.bigEtag = bigPut.etag;

  const stat = await client.statObject(bucket, "docs/hello.txt");
  out.stat = { size: stat.size, etag: stat.etag, contentType: stat.metaData["content-type"], origin: stat.metaData["origin"] };
  out.textBack = (await readAll(await client.getObject(bucket, "docs/hello.txt"))).toString();
  const bigBack = await readAll(await client.getObject(bucket, "blobs/big.bin"));
  out.big = { sentMd5: md5(big), gotMd5: md5(bigBack), length: bigBack.length };
  out.partial = (await readAll(await client.getPartialObject(bucket, "docs/hello.txt", 6, 4))).toString();

  out.listRecursive = await list(client, bucket, "", true);
  out.listTop = await list(client, bucket, "", false);

  const presigned = await client.presignedGetObject(bucket, "docs/hello.txt", 300);
  const res = await fetch(presigned);
  out.presigned = { url: presigned, status: res.status, body: await res.text() };

  await client.removeObject(bucket, "docs/hello.txt");
  await client.removeObject(bucket, "blobs/big.bin");
  out.statGone = await errorOf(client.statObject(bucket, "docs/hello.txt"));
  out.listAfterRemove = await list(client, bucket, "", true);
  await client.removeBucket(bucket);
  out.existsAtEnd = await client.bucketExists(bucket);
  return out;
});
