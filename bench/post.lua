-- wrk script: POSTs the GraphQL request in $BODY_FILE and prints one JSON
-- line of results (report.lua).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open(os.getenv("BODY_FILE"), "r"))
wrk.body = f:read("*a")
f:close()

-- report.lua sits next to this script (wrk names a script's chunk "@path").
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")
