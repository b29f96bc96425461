-- wrk script: GET wrk.path with the API key from USHER_KEY.
request = function()
  return wrk.format("GET", wrk.path, { ["Authorization"] = "Bearer " .. os.getenv("USHER_KEY") })
end
