-- GET /bugs with a filter: open bugs of one priority, a page of 20.
local priorities = {"low", "normal", "high", "urgent"}
function request()
  return wrk.format("GET", "/bugs?status=open&priority=" .. priorities[math.random(1, 4)] .. "&limit=20")
end
