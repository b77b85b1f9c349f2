-- paths.lua: GET of many paths in turn (talk_mix, home_pages, user_mix, timeline_first/last).
-- Arguments: a file of paths (one per line, in the order bench/run.py shuffled them), the
-- number of wrk threads, and optionally a Cookie header (a logged-in reader, whose pages the
-- gateway never caches). Thread t starts at the t-th of T equal slices of the list and walks
-- it round and round, so the threads do not ask for the same page at the same moment.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

local paths, i, headers = {}, 0, {}

function init(args)
  for line in io.lines(args[1]) do table.insert(paths, line) end
  i = math.floor(#paths * tid / tonumber(args[2]))
  if args[3] and args[3] ~= "" then headers["Cookie"] = args[3] end
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], headers)
end
