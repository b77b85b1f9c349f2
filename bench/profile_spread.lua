-- profile_spread.lua: GET of paths spread over the data (bench/profile_pages.py): the file named
-- by PROFILE_PATHS, one path a line, taken in turn from a different start in each thread.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

local paths = {}
for line in io.lines(os.getenv("PROFILE_PATHS")) do paths[#paths + 1] = line end
local i = 0

function init(args)
  i = (tid or 0) * 7919
end

function request()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
