-- Each request's query string gets a parameter of its own (_bench=<thread>-<n>), so that a
-- cache keyed by the URL never answers; done() prints the figures as report.lua does.
local threads = {}

setup = function(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

init = function(args)
  n = 0
  base = wrk.path .. (string.find(wrk.path, "?", 1, true) and "&" or "?") .. "_bench=" .. id .. "-"
end

request = function()
  n = n + 1
  return wrk.format("GET", base .. n)
end

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
