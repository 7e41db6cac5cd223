-- GET /<COLLECTION>/{id} (users by default, or bugs) for random ids among the
-- first COUNT, with one of TOKENS.
package.path = os.getenv("WRK_DIR") .. "/?.lua;" .. package.path
local auth = require("auth")
local collection = os.getenv("COLLECTION") or "users"
local count = tonumber(os.getenv("COUNT") or "1000")
function init(args)
  math.randomseed(os.time() + math.random(1, 100000))
end
function request()
  return wrk.format("GET", "/" .. collection .. "/" .. math.random(1, count), auth.headers())
end
