-- report.lua: shared by every wrk script of the benchmark (loaded with dofile).
-- Counts responses by status in each thread (the `response` hook), and at the end prints one
-- line "BENCH_JSON {...}" that bench/run.py reads: requests, duration, p50/p99 and errors,
-- where an error is any status outside 200-399 or any socket error (connect, read, write,
-- timeout).
local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

statuses = {}

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts, bad, exhausted = {}, 0, 0
  for _, t in ipairs(threads) do
    exhausted = exhausted + (t:get("exhausted") or 0)
    local s = t:get("statuses") or {}
    for code, n in pairs(s) do
      counts[code] = (counts[code] or 0) + n
      if code < 200 or code > 399 then bad = bad + n end
    end
  end
  local e = summary.errors
  local sock = e.connect + e.read + e.write + e.timeout
  local parts = {}
  for code, n in pairs(counts) do table.insert(parts, string.format('"%d": %d', code, n)) end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"mean_us": %.1f, "max_us": %d, "bad_status": %d, "socket_errors": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "timeout": %d, "exhausted_threads": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, latency.max, bad, sock, e.connect, e.read, e.write, e.timeout,
    exhausted, table.concat(parts, ", ")))
end
