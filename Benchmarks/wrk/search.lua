-- GET /bugs?q=<word>&limit=20, a word drawn from WORDS (a file, one word a
-- line: Benchmarks/load-bugs writes the distinctive ones), as one of TOKENS.
package.path = os.getenv("WRK_DIR") .. "/?.lua;" .. package.path
local auth = require("auth")
local words = {}
for word in io.lines(os.getenv("WORDS")) do
  table.insert(words, word)
end
function init(args)
  math.randomseed(os.time() + math.random(1, 100000))
end
function request()
  return wrk.format("GET", "/bugs?q=" .. words[math.random(1, #words)] .. "&limit=20", auth.headers())
end
