#include "bench/workloads.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>

#include "util/uri.h"

namespace silt::bench {

namespace {

using Clock = std::chrono::steady_clock;

std::string object_target(const Options& o, uint64_t index) {
  return "/" + uri_encode(o.bucket, false) + "/" + uri_encode(object_key(o, index), true);
}

void record(WorkerStats& w, const Response& r, Clock::time_point t0, uint64_t bytes) {
  if (r.ok()) {
    w.latency_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    w.bytes += bytes;
  } else {
    ++w.errors;
    if (w.first_error.empty()) w.first_error = r.describe();
  }
}

std::string xml_unescape(std::string s) {
  static const std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
  for (const auto& [ent, ch] : kEntities) {
    for (size_t p = s.find(ent); p != std::string::npos; p = s.find(ent, p + 1)) s.replace(p, ent.size(), 1, ch);
  }
  return s;
}

std::string element(const std::string& xml, std::string_view name) {
  std::string open = "<" + std::string(name) + ">", close = "</" + std::string(name) + ">";
  size_t a = xml.find(open);
  if (a == std::string::npos) return "";
  a += open.size();
  size_t b = xml.find(close, a);
  return b == std::string::npos ? "" : xml_unescape(xml.substr(a, b - a));
}

size_t occurrences(const std::string& s, std::string_view what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

// Runs op(client, stats, index, thread) on o.concurrency threads; index counts operations across threads.
Summary run_threads(const Options& o, Payload& payload, uint64_t count, double duration_s,
                    const std::function<void(S3Client&, WorkerStats&, uint64_t, unsigned)>& op) {
  std::vector<WorkerStats> stats(o.concurrency);
  std::atomic<uint64_t> next{0};
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(duration_s));
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < o.concurrency; ++t) {
    threads.emplace_back([&, t] {
      S3Client client(o.endpoint, payload);
      for (;;) {
        if (count == 0 && Clock::now() >= deadline) break;
        uint64_t i = next.fetch_add(1);
        if (count > 0 && i >= count) break;
        op(client, stats[t], i, t);
      }
    });
  }
  for (auto& th : threads) th.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return summarize(stats, elapsed);
}

}  // namespace

std::string object_key(const Options& o, uint64_t index) {
  char b[32];
  std::snprintf(b, sizeof b, "obj-%08llu", static_cast<unsigned long long>(index));
  return o.prefix + b;
}

std::string run_setup(const Options& o, Payload& payload) {
  S3Client client(o.endpoint, payload);
  Response r = client.put_empty("/" + uri_encode(o.bucket, false));
  // 409 BucketAlreadyOwnedByYou (or BucketAlreadyExists from some peers) is fine: reuse it.
  if (!r.ok() && r.status != 409) return "create bucket: " + r.describe();
  if (o.mode == Mode::Put || o.objects == 0) return "";
  Options fill = o;
  fill.concurrency = std::min<uint64_t>(o.mode == Mode::RangedGet ? 1 : std::max(o.concurrency, 16u), o.objects);
  Summary s = run_threads(fill, payload, o.objects, 0, [&](S3Client& c, WorkerStats& w, uint64_t i, unsigned) {
    auto t0 = Clock::now();
    record(w, c.put_object(object_target(o, i), o.size, PayloadKind::Unsigned), t0, o.size);
  });
  if (s.errors) return "setup PUT: " + std::to_string(s.errors) + " errors, first: " + s.first_error;
  return "";
}

Summary run_workload(const Options& o, Payload& payload) {
  uint64_t count = o.count;
  double dur = o.duration_s;
  switch (o.mode) {
    case Mode::Put:
      return run_threads(o, payload, count, dur, [&](S3Client& c, WorkerStats& w, uint64_t i, unsigned) {
        uint64_t key = o.objects ? i % o.objects : i;
        auto t0 = Clock::now();
        record(w, c.put_object(object_target(o, key), o.size, o.payload), t0, o.size);
      });
    case Mode::Get:
      return run_threads(o, payload, count, dur, [&](S3Client& c, WorkerStats& w, uint64_t i, unsigned) {
        auto t0 = Clock::now();
        Response r = c.get(object_target(o, i % o.objects));
        record(w, r, t0, r.body_bytes);
      });
    case Mode::Mixed:
      return run_threads(o, payload, count, dur, [&](S3Client& c, WorkerStats& w, uint64_t i, unsigned) {
        auto t0 = Clock::now();
        // Spread reads and writes evenly: op i is a read when its position in each 100 falls under read_pct.
        if ((i * 37) % 100 < o.read_pct) {
          Response r = c.get(object_target(o, i % o.objects));
          record(w, r, t0, r.body_bytes);
        } else {
          record(w, c.put_object(object_target(o, i % o.objects), o.size, o.payload), t0, o.size);
        }
      });
    case Mode::RangedGet: {
      uint64_t ranges = std::max<uint64_t>(1, (o.size + o.range_size - 1) / o.range_size);
      return run_threads(o, payload, count, dur, [&](S3Client& c, WorkerStats& w, uint64_t i, unsigned) {
        uint64_t first = (i % ranges) * o.range_size;
        uint64_t last = std::min(first + o.range_size, o.size) - 1;
        auto t0 = Clock::now();
        Response r = c.get(object_target(o, 0), "bytes=" + std::to_string(first) + "-" + std::to_string(last));
        if (r.ok() && r.status != 206) r.error = "expected 206, got " + std::to_string(r.status);
        record(w, r, t0, r.body_bytes);
      });
    }
    case Mode::List: {
      // Each thread pages through the whole prefix again and again; one page is one operation.
      std::vector<std::string> tokens(o.concurrency);
      std::string base = "/" + uri_encode(o.bucket, false) + "?";
      return run_threads(o, payload, count, dur, [&](S3Client& c, WorkerStats& w, uint64_t, unsigned t) {
        std::string& token = tokens[t];
        // Parameters in sorted order, values encoded, as botocore sends them.
        std::string q;
        if (!token.empty()) q += "continuation-token=" + uri_encode(token, false) + "&";
        if (!o.delimiter.empty()) q += "delimiter=" + uri_encode(o.delimiter, false) + "&";
        q += "list-type=2&max-keys=" + std::to_string(o.max_keys) + "&prefix=" + uri_encode(o.prefix, false);
        auto t0 = Clock::now();
        Response r = c.get(base + q, {}, true);
        if (r.ok()) {
          w.items += occurrences(r.body, "<Contents>") + occurrences(r.body, "<CommonPrefixes>");
          token = element(r.body, "IsTruncated") == "true" ? element(r.body, "NextContinuationToken") : "";
        }
        record(w, r, t0, r.body_bytes);
      });
    }
  }
  return {};
}

}  // namespace silt::bench
