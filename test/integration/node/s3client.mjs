// The S3 client every script uses: the SDK's defaults (checksums, retries,
// signing) except what a path-style endpoint on 127.0.0.1 needs, plus a
// recorder of the request headers the SDK actually put on the wire.
import { S3Client } from "@aws-sdk/client-s3";

export function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}

// Headers worth reporting: how the payload was signed and checksummed.
const INTERESTING = /^(x-amz-content-sha256|x-amz-checksum-.*|x-amz-sdk-checksum-algorithm|x-amz-trailer|x-amz-decoded-content-length|content-encoding|content-md5|content-length|transfer-encoding|expect)$/i;

// extra: S3Client settings over the defaults (e.g. requestChecksumCalculation).
export function makeClient(extra = {}) {
  const client = new S3Client({
    endpoint: env("ENDPOINT"),
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: env("ACCESS_KEY"), secretAccessKey: env("SECRET_KEY") },
    ...extra,
  });
  const requests = [];
  // The deserialize step runs after signing, once per attempt, so it sees the
  // final headers of each request sent.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const headers = {};
      for (const [k, v] of Object.entries(args.request?.headers ?? {})) {
        if (INTERESTING.test(k)) headers[k.toLowerCase()] = v;
      }
      const entry = { command: context.commandName, headers };
      requests.push(entry);
      try {
        const out = await next(args);
        entry.status = out.response?.statusCode;
        return out;
      } catch (e) {
        entry.status = e.$metadata?.httpStatusCode;
        entry.error = e.name;
        throw e;
      }
    },
    { step: "deserialize", name: "siltHeaderRecorder", priority: "low" },
  );
  return { client, requests };
}

// Runs main(); prints its result as one JSON line, or the error and exits 1.
export async function run(main) {
  try {
    const result = await main();
    process.stdout.write(JSON.stringify(result) + "\n");
  } catch (e) {
    process.stderr.write(JSON.stringify({
      error: e.name, message: e.message, status: e.$metadata?.httpStatusCode,
      code: e.Code, stack: e.stack,
    }, null, 1) + "\n");
    process.exit(1);
  }
}
