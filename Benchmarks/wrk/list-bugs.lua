-- GET /bugs with a filter: open bugs of one priority, a page of 20, with one
-- of TOKENS.
package.path = os.getenv("WRK_DIR") .. "/?.lua;" .. package.path
local auth = require("auth")
local priorities = {"low", "normal", "high", "urgent"}
function request()
  return wrk.format("GET", "/bugs?status=open&priority=" .. priorities[math.random(1, 4)] .. "&limit=20", auth.headers())
end
