-- wrk script: Muster's page query (bench/queries.json) with page sizes
-- drawn at random for every request (groups 1-20, projects 1-10, meetings
-- 1-5), as a front end's varied pages ask; each size is a different batch
-- size at every level. Prints the same JSON line as post.lua (report.lua). Against a
-- running `muster serve` on the benchmark's data:
--   wrk -t2 -c16 -d8s -s bench/vary.lua http://127.0.0.1:8080/graphql
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
math.randomseed(os.time())
request = function()
  local q = string.format('{"query":"{ groups(first: %d) { nodes { name projects(first: %d) { nodes { name meetings(first: %d, filter: { status: [SCHEDULED] }) { nodes { title startsAt rsvpCounts { yes no maybe } } } } } } } }"}',
    math.random(1, 20), math.random(1, 10), math.random(1, 5))
  return wrk.format(nil, nil, nil, q)
end
-- report.lua sits next to this script (wrk names a script's chunk "@path").
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")
