-- wrk script: POST /users with a username unique to this run (PREFIX), thread and request.
local counter = 0
function setup(thread)
  thread:set("tid", tostring(math.random(1, 1e9)))
end
request = function()
  counter = counter + 1
  local body = '{"username":"bench-' .. os.getenv("PREFIX") .. '-' .. (tid or "t") .. '-' .. counter .. '"}'
  return wrk.format("POST", "/users", { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("USHER_KEY") }, body)
end
