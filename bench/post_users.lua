-- wrk script: POST /users with a unique username per request.
local counter = 0
local prefix = tostring(math.random(1, 1e9))
function setup(thread)
  thread:set("tid", tostring(math.random(1, 1e9)))
end
request = function()
  counter = counter + 1
  local body = '{"username":"bench-' .. prefix .. '-' .. (tid or "t") .. '-' .. counter .. '"}'
  return wrk.format("POST", "/users", { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("USHER_KEY") }, body)
end
