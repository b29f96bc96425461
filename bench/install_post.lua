-- wrk script: POST the install form of a different, fresh link on every request.
-- LINKS_FILE holds "<path> <csrf token>" per line; thread i of n takes lines i, i+n, ...
local threads = {}
local next_id = 0
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
function init(args)
  nthreads = tonumber(os.getenv("WRK_THREADS") or "2")
  links = {}
  local i = 0
  for line in io.lines(os.getenv("LINKS_FILE")) do
    if i % nthreads == tid then
      local path, csrf = line:match("^(%S+) (%S+)$")
      table.insert(links, { path = path, csrf = csrf })
    end
    i = i + 1
  end
  pos = 0
end
request = function()
  pos = pos + 1
  local link = links[pos] or links[#links]
  local body = "_csrf=" .. link.csrf .. "&apiKey=bench-secret-value&shopUrl=https%3A%2F%2Fshop.example.com"
  return wrk.format("POST", link.path, { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
