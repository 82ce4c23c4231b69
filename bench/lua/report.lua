-- wrk's figures as one JSON line for bench/run.py: latency percentiles in microseconds,
-- requests, duration, bytes, socket errors and non-2xx/3xx responses ("status").
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,'
      .. '"write":%d,"timeout":%d,"status":%d,"p50_us":%d,"p90_us":%d,"p95_us":%d,'
      .. '"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.timeout, e.status, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
end
