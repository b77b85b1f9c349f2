-- comment_post.lua: POST /talk/<id> as an anonymous visitor, with the CSRF cookie and token
-- that bench/run.py fetched once. Arguments: path, csrf cookie value, csrf token.
-- Each request is a different comment (thread and counter in the body); success is a 303.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

local path, headers, token, n = nil, nil, nil, 0

local function enc(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  path = args[1]
  headers = {
    ["Cookie"] = "talks_csrf=" .. args[2],
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  token = enc(args[3])
end

function request()
  n = n + 1
  local body = "name=Bench+Visitor&email=bench%40example.com&body=" ..
    enc(string.format("Comment %d from wrk thread %d: **great** talk, see https://example.com/%d",
      n, tid, n)) .. "&csrf_token=" .. token
  return wrk.format("POST", path, headers, body)
end
