-- Shared by the wrk scripts (post.lua, vary.lua): at the end of a run,
-- one JSON line of results: requests, duration, p50, p99 and errors
-- (connection errors, timeouts and non-2xx answers).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
