-- Authorization for the scenarios: TOKENS (environment) is a comma-separated
-- list of bearer tokens; each request carries one of them, picked at random.
-- Without TOKENS, requests carry none.
local auth = {}
local tokens = {}
for token in string.gmatch(os.getenv("TOKENS") or "", "[^,]+") do
  table.insert(tokens, token)
end

-- `headers` with an Authorization header added.
function auth.headers(headers)
  headers = headers or {}
  if #tokens > 0 then
    headers["Authorization"] = "Bearer " .. tokens[math.random(1, #tokens)]
  end
  return headers
end

return auth
