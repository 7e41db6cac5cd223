-- POST /create with an address no other request uses: thread, counter and a
-- random part, so runs never collide either.
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
function init(args)
  counter = 0
  salt = math.random(1, 1000000000)
end
function request()
  counter = counter + 1
  local body = string.format('{"email":"u%d.%d.%d@example.com"}', tid, salt, counter)
  return wrk.format("POST", "/create", {["Content-Type"] = "application/json"}, body)
end
