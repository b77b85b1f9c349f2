-- get.lua: GET of the URL given to wrk (home, talk, user, static cases).
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
