-- __close: order, error argument, errors inside close handlers
local function res(name, log)
  return setmetatable({}, {__close = function(self, err)
    log[#log + 1] = name .. (err and ("(" .. tostring(err) .. ")") or "")
  end})
end
local log = {}
do
  local a <close> = res("a", log)
  local b <close> = res("b", log)
  local c <close> = res("c", log)
end
print(table.concat(log, " "))
log = {}
print(pcall(function()
  local a <close> = res("a", log)
  local b <close> = setmetatable({}, {__close = function() error("in b close", 0) end})
  local c <close> = res("c", log)
  error("original", 0)
end))
print(table.concat(log, " "))
-- a close error replaces a normal return
print(pcall(function()
  local x <close> = setmetatable({}, {__close = function() error("close failed", 0) end})
  return "value"
end))
-- closing in a generic for (4th value)
local closed = false
local function iter()
  local i = 0
  return function() i = i + 1 if i <= 3 then return i end end, nil, nil,
    setmetatable({}, {__close = function() closed = true end})
end
for i in iter() do if i == 2 then break end end
print("closed after break:", closed)
closed = false
for i in iter() do end
print("closed after end:", closed)
closed = false
pcall(function() for i in iter() do error("x") end end)
print("closed after error:", closed)
-- the return values survive the close
local function f()
  local r <close> = res("r", log)
  return 1, 2, 3
end
print(f())
