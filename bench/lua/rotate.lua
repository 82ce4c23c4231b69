-- Rotates over the paths given after `--`, each thread from its own starting point, and
-- counts responses by status class; done() prints one JSON line for bench/run.py.
local threads = {}

setup = function(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end

init = function(args)
  paths = args
  index = offset % #paths
  s2, s3, s4, s5 = 0, 0, 0, 0
end

request = function()
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end

response = function(status, headers, body)
  if status >= 500 then
    s5 = s5 + 1
  elseif status >= 400 then
    s4 = s4 + 1
  elseif status >= 300 then
    s3 = s3 + 1
  else
    s2 = s2 + 1
  end
end

done = function(summary, latency, requests)
  local c2, c3, c4, c5 = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    c2 = c2 + thread:get("s2")
    c3 = c3 + thread:get("s3")
    c4 = c4 + thread:get("s4")
    c5 = c5 + thread:get("s5")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,'
      .. '"write":%d,"timeout":%d,"status":%d,"p50_us":%d,"p90_us":%d,"p95_us":%d,'
      .. '"p99_us":%d,"max_us":%d,"mean_us":%.1f,"s2xx":%d,"s3xx":%d,"s4xx":%d,"s5xx":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.timeout, e.status, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max, latency.mean,
    c2, c3, c4, c5))
end
