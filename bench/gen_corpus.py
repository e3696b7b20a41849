#!/usr/bin/env python3
"""A raw-data-lake corpus with real field entropy: JSON-lines access logs and CSV
sensor readings, written as files of about --file-mb MiB each under OUT/<prefix>/.
Nothing repeats verbatim: timestamps advance by random steps, ids and values are
random, so the data compresses like real logs do, not like repeated strings."""
import argparse
import json
import os
import random

PATHS = ["/api/v1/items", "/api/v1/users", "/api/v2/search", "/static/app.js", "/login", "/checkout", "/cart"]
AGENTS = ["Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0", "Mozilla/5.0 (Macintosh) Safari/605.1",
          "curl/8.4.0", "python-requests/2.31", "aws-cli/1.45.0", "Go-http-client/2.0"]
COUNTRIES = ["DE", "FR", "US", "BR", "IN", "JP", "NG", "GB", "CA", "ES"]


def log_lines(rnd, n, t):
    for _ in range(n):
        t += rnd.randint(1, 40)
        yield json.dumps({
            "ts": t, "req": "%016x" % rnd.getrandbits(64),
            "ip": "%d.%d.%d.%d" % (rnd.randrange(1, 224), rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)),
            "method": rnd.choice(["GET", "GET", "GET", "POST", "PUT", "DELETE"]),
            "path": "%s/%d" % (rnd.choice(PATHS), rnd.randrange(10**7)),
            "status": rnd.choice([200, 200, 200, 200, 201, 204, 301, 304, 400, 404, 500]),
            "bytes": rnd.randrange(50, 200000), "ms": round(rnd.expovariate(1 / 80), 3),
            "ua": rnd.choice(AGENTS), "country": rnd.choice(COUNTRIES),
            "user": rnd.randrange(10**6) if rnd.random() < 0.7 else None}) + "\n", t


def csv_lines(rnd, n, t):
    for _ in range(n):
        t += rnd.randint(100, 5000)
        yield "%d,sensor-%05d,%.4f,%.4f,%.2f,%.1f,%s\n" % (
            t, rnd.randrange(20000), rnd.uniform(-90, 90), rnd.uniform(-180, 180), rnd.gauss(21, 6),
            rnd.uniform(0, 100), rnd.choice(["ok", "ok", "ok", "warn", "fail"])), t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--total-mb", type=int, default=1024)
    ap.add_argument("--file-mb", type=int, default=32)
    ap.add_argument("--prefixes", default="day1,day2,day3,day4,day5")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    prefixes = a.prefixes.split(",")
    files = max(1, a.total_mb // a.file_mb)
    t = 1_700_000_000_000
    for i in range(files):
        prefix = prefixes[i % len(prefixes)]
        kind = "logs" if i % 3 else "sensors"
        d = os.path.join(a.out, prefix)
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "%s-%04d.%s" % (kind, i, "jsonl" if kind == "logs" else "csv"))
        gen = log_lines if kind == "logs" else csv_lines
        limit = a.file_mb << 20
        size = 0
        with open(path, "w") as f:
            if kind == "sensors":
                f.write("ts,sensor,lat,lon,temp_c,humidity,state\n")
            while size < limit:
                chunk = []
                for line, t in gen(rnd, 2000, t):
                    chunk.append(line)
                text = "".join(chunk)
                f.write(text)
                size += len(text)


if __name__ == "__main__":
    main()
