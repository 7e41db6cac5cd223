-- GET /bugs/{id} for random ids among the first BUGS (environment), with one
-- of TOKENS.
package.path = os.getenv("WRK_DIR") .. "/?.lua;" .. package.path
local auth = require("auth")
local bugs = tonumber(os.getenv("BUGS") or "1000")
function init(args)
  math.randomseed(os.time() + math.random(1, 100000))
end
function request()
  return wrk.format("GET", "/bugs/" .. math.random(1, bugs), auth.headers())
end
