-- api_approve.lua: PUT /api/1.0/comments/<id> with a bearer token, a different pending comment
-- each time. Arguments: token, file of comment ids (one per line), number of wrk threads.
-- Thread t takes ids t, t+T, t+2T, ... When its share runs out it stops (and says so), since
-- approving a comment twice is a 400.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

local ids, i, auth = {}, 0, nil
exhausted = 0

function init(args)
  auth = "Bearer " .. args[1]
  local nthreads = tonumber(args[3])
  local k = 0
  for line in io.lines(args[2]) do
    if k % nthreads == tid then table.insert(ids, line) end
    k = k + 1
  end
end

function request()
  i = i + 1
  if i > #ids then
    exhausted = 1
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  return wrk.format("PUT", "/api/1.0/comments/" .. ids[i], {["Authorization"] = auth}, "")
end
