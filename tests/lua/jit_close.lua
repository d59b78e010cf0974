-- CLOSE in compiled loops: upvalues of per-iteration locals are closed in compiled code; a
-- to-be-closed variable in the same scope is closed by the interpreter (its __close runs Lua).
local fns = {}
for i = 1, 300 do
  local x = i * 2
  fns[i] = function() x = x + 1 return i, x end
  if i % 100 == 0 then fns[i]() end
end
local s = 0
for i = 1, 300 do local a, b = fns[i]() s = s + a * 1000 + b end
print("closed per iteration", s, select(2, fns[100]()), select(2, fns[101]()))

local log = {}
local function closer(n)
  return setmetatable({}, {__close = function(_, err) log[#log + 1] = n .. (err and "!" or "") end})
end
local total = 0
for i = 1, 200 do
  local cap = i
  local f = function() return cap end
  do
    local c <close> = closer(i)
    total = total + f()
  end
  if i % 50 == 0 then total = total + #log end
end
print("tbc in hot loop", total, #log, log[1], log[200])

-- breaking out of a loop closes its upvalues (CLOSE before the jump)
local saved
for round = 1, 50 do
  for i = 1, 10 do
    local v = i + round
    if i == 3 then saved = function() return v end break end
  end
end
print("break closes", saved())

-- an error inside a to-be-closed scope in a hot loop
local ok, err = pcall(function()
  for i = 1, 100 do
    local c <close> = closer("e" .. i)
    if i == 77 then error("boom at " .. i) end
  end
end)
print("error with tbc", ok, err, log[#log])

-- a while loop whose body captures its local
local k, acc, keep = 0, 0, {}
while k < 500 do
  k = k + 1
  local y = k
  keep[#keep + 1] = function() y = y + 1 return y end
  acc = acc + y
end
print("while captures", acc, keep[1](), keep[1](), keep[500]())
