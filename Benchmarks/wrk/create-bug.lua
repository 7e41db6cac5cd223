-- POST /bugs as one of the signed-in TOKENS (the reporter), assigned to one
-- of the first USERS users: each request looks the reporter and the assignee
-- up in the users service.
package.path = os.getenv("WRK_DIR") .. "/?.lua;" .. package.path
local auth = require("auth")
local users = tonumber(os.getenv("USERS") or "100")
local priorities = {"low", "normal", "high", "urgent"}
function request()
  local body = string.format('{"title":"Crash %d","priority":"%s","assignee_id":%d}',
    math.random(1, 1000000), priorities[math.random(1, 4)], math.random(1, users))
  return wrk.format("POST", "/bugs", auth.headers({["Content-Type"] = "application/json"}), body)
end
