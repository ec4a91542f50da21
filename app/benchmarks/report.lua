-- Appended to every scenario script: print the figures as one JSON line for run.py to read.
done = function(summary, latency, requests)
  local errors = summary.errors
  local hits, lookups = 0, 0
  for _, thread in ipairs(threads) do
    hits = hits + (thread:get("cache_hits") or 0)
    lookups = lookups + (thread:get("cache_lookups") or 0)
  end
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"mean_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,'
      .. '"status_errors":%d,"socket_errors":%d,"cache_hits":%d,"cache_lookups":%d}\n',
    summary.requests, summary.duration, latency.mean, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout, hits, lookups))
end
