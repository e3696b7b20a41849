// The everyday calls: PutObject (string and Buffer bodies), GetObject read as
// a stream, HeadObject, ListObjectsV2 with Prefix/Delimiter, CopyObject,
// DeleteObjects. FILE is the Buffer body; BUCKET starts empty.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  CopyObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, PutObjectCommand,
} from "@aws-sdk/client-s3";
import { env, makeClient, run } from "./s3client.mjs";

const TEXT_KEY = "docs/hello.txt";
const TEXT = "hello from the node sdk, ünïcödé included\n";
const BIN_KEY = "docs/sub/data file+1 é.bin";

async function streamDigest(body) {
  const md5 = createHash("md5");
  let length = 0;
  for await (const chunk of body) {  // Body is a node Readable: consume it as a stream
    md5.update(chunk);
    length += chunk.length;
  }
  return { md5: md5.digest("hex"), length };
}

run(async () => {
  const { client, requests } = makeClient();
  const Bucket = env("BUCKET");
  const buffer = readFileSync(env("FILE"));
  const out = {};

  const putText = await client.send(new PutObjectCommand({
    Bucket, Key: TEXT_KEY, Body: TEXT, ContentType: "text/plain; charset=utf-8",
    Metadata: { colour: "blue", "mixed-case": "Value With Spaces" },
  }));
  const putBin = await client.send(new PutObjectCommand({ Bucket, Key: BIN_KEY, Body: buffer }));
  out.put = { textETag: putText.ETag, binETag: putBin.ETag,
              textCRC32: putText.ChecksumCRC32, binCRC32: putBin.ChecksumCRC32 };

  const getText = await client.send(new GetObjectCommand({ Bucket, Key: TEXT_KEY }));
  out.getText = { body: await getText.Body.transformToString("utf-8"),
                  contentType: getText.ContentType, etag: getText.ETag,
                  contentLength: getText.ContentLength, metadata: getText.Metadata };
  const getBin = await client.send(new GetObjectCommand({ Bucket, Key: BIN_KEY }));
  out.getBin = { ...(await streamDigest(getBin.Body)), etag: getBin.ETag,
                 contentLength: getBin.ContentLength };

  const head = await client.send(new HeadObjectCommand({ Bucket, Key: TEXT_KEY }));
  out.head = { contentLength: head.ContentLength, etag: head.ETag, metadata: head.Metadata,
               contentType: head.ContentType, lastModified: head.LastModified?.toISOString() };

  const list = await client.send(new ListObjectsV2Command({ Bucket, Prefix: "docs/", Delimiter: "/" }));
  out.list = { keys: (list.Contents ?? []).map((o) => o.Key),
               sizes: (list.Contents ?? []).map((o) => o.Size),
               prefixes: (list.CommonPrefixes ?? []).map((p) => p.Prefix),
               keyCount: list.KeyCount, isTruncated: list.IsTruncated };
  const listSub = await client.send(new ListObjectsV2Command({ Bucket, Prefix: "docs/sub/" }));
  out.listSub = (listSub.Contents ?? []).map((o) => o.Key);

  // CopySource is "bucket/key" with the key URI-encoded, as the SDK docs ask.
  const copy = await client.send(new CopyObjectCommand({
    Bucket, Key: "copies/data copy.bin",
    CopySource: `${Bucket}/${BIN_KEY.split("/").map(encodeURIComponent).join("/")}`,
  }));
  out.copy = { etag: copy.CopyObjectResult?.ETag,
               lastModified: copy.CopyObjectResult?.LastModified?.toISOString() };

  const del = await client.send(new DeleteObjectsCommand({
    Bucket, Delete: { Objects: [{ Key: TEXT_KEY }, { Key: BIN_KEY }, { Key: "docs/never-existed" }] },
  }));
  out.deleted = (del.Deleted ?? []).map((d) => d.Key).sort();
  out.deleteErrors = del.Errors ?? [];
  out.requests = requests;
  return out;
});
