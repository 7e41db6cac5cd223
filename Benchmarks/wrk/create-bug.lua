-- POST /bugs with a reporter and an assignee among the first USERS users,
-- so that every request looks both up in the users service.
local users = tonumber(os.getenv("USERS") or "100")
local priorities = {"low", "normal", "high", "urgent"}
function request()
  local body = string.format('{"title":"Crash %d","priority":"%s","reporter_id":%d,"assignee_id":%d}',
    math.random(1, 1000000), priorities[math.random(1, 4)], math.random(1, users), math.random(1, users))
  return wrk.format("POST", "/bugs", {["Content-Type"] = "application/json"}, body)
end
