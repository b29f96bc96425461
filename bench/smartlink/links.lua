-- wrk script: each thread sends its own share of the pre-made links in LINKS_FILE,
-- each exactly once, with METHOD (GET for legacy links, POST for v2: the POST signs in).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  links = {}
  local k = 0
  local step = tonumber(os.getenv("THREADS") or "1")
  for line in io.lines(os.getenv("LINKS_FILE")) do
    if k % step == id then table.insert(links, line) end
    k = k + 1
  end
  i = 0
  method = os.getenv("METHOD") or "GET"
  used_up = 0
end

function request()
  i = i + 1
  if i > #links then used_up = used_up + 1; i = 1 end
  if method == "POST" then
    return wrk.format("POST", links[i], {["Content-Length"] = "0", ["Content-Type"] = "application/x-www-form-urlencoded"})
  end
  return wrk.format("GET", links[i])
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, non-2xx/3xx %d, sockets errors %d\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
