-- GET PAGE on the web pages, signed in: the session cookie holds TOKEN.
local page = os.getenv("PAGE")
local headers = {["Cookie"] = "bugtracker_session=" .. os.getenv("TOKEN")}
function request()
  return wrk.format("GET", page, headers)
end
