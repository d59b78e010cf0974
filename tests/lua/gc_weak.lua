-- weak tables: __mode "k", "v", "kv"
local function count(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end
local wk = setmetatable({}, {__mode = "k"})
local wv = setmetatable({}, {__mode = "v"})
local wkv = setmetatable({}, {__mode = "kv"})
local keep = {}
for i = 1, 10 do
  local k = {}
  wk[k] = i
  wv[i] = {}
  wkv[{}] = {}
  if i <= 3 then keep[#keep + 1] = k; keep[#keep + 1] = wv[i] end
end
wv.str = "strings are values, not collected"
wv.num = 42
wk[1] = "number keys stay"
collectgarbage(); collectgarbage()
print(count(wk), count(wv), count(wkv))
print(wv.str, wv.num, wk[1])
-- a weak-valued cache
local cache = setmetatable({}, {__mode = "v"})
local function get(name) local v = cache[name] if not v then v = {name = name} cache[name] = v end return v end
local held = get("held")
get("dropped")
collectgarbage()
print(cache.held == held, cache.dropped)
-- key referenced only from its own value in a weak-keyed table (ephemeron)
local eph = setmetatable({}, {__mode = "k"})
do local k = {} eph[k] = {ref = k} end
collectgarbage(); collectgarbage()
print("ephemeron entries", count(eph))
