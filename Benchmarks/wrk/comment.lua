-- POST /bugs/{id}/comments on a random one of the first BUGS bugs, as one of
-- TOKENS: the comment, its history event, the author watching, the search
-- index and a mail to each watcher, in one transaction.
package.path = os.getenv("WRK_DIR") .. "/?.lua;" .. package.path
local auth = require("auth")
local bugs = tonumber(os.getenv("BUGS") or "100000")
local phrases = {"Seen it again", "Still happens on the latest build", "Cannot reproduce here", "Attaching the log",
  "Same for me", "Fixed by restarting", "It started after the upgrade", "Looking into it"}
function init(args)
  math.randomseed(os.time() + math.random(1, 100000))
end
function request()
  local body = string.format('{"body":"%s (%d)."}', phrases[math.random(1, #phrases)], math.random(1, 1000000))
  return wrk.format("POST", "/bugs/" .. math.random(1, bugs) .. "/comments", auth.headers({["Content-Type"] = "application/json"}), body)
end
