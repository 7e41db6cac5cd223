-- GET /users/{id} for random ids among the first USERS (environment), with
-- one of TOKENS.
package.path = os.getenv("WRK_DIR") .. "/?.lua;" .. package.path
local auth = require("auth")
local users = tonumber(os.getenv("USERS") or "1000")
function init(args)
  math.randomseed(os.time() + math.random(1, 100000))
end
function request()
  return wrk.format("GET", "/users/" .. math.random(1, users), auth.headers())
end
