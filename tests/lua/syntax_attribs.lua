-- local attributes <const> and <close>
local a <const> = 10
local b <const>, c = 20, 30
print(a, b, c)
c = c + 1
print(c)

print(load("local x <const> = 1; x = 2"))
print(load("local x <foo> = 1"))
print(load("local x <close>, y <close> = nil, nil"))

do
  local order = {}
  do
    local r1 <close> = setmetatable({}, {__close = function(_, e) order[#order + 1] = "r1:" .. tostring(e) end})
    local r2 <close> = setmetatable({}, {__close = function(_, e) order[#order + 1] = "r2:" .. tostring(e) end})
    local n <close> = nil   -- nil and false are allowed
    local f <close> = false
    order[#order + 1] = "body"
  end
  print(table.concat(order, " "))
end

-- <close> on a value without __close is an error
print(pcall(function() local x <close> = {} end))
print(pcall(function() local x <close> = 42 end))

-- close runs on error, receiving the error object
local log = {}
local ok, err = pcall(function()
  local r <close> = setmetatable({}, {__close = function(_, e) log[#log + 1] = "closed with " .. tostring(e) end})
  error("boom", 0)
end)
print(ok, err, log[1])

-- close runs on return and on break
local function f()
  local r <close> = setmetatable({}, {__close = function() print("closing in f") end})
  return "ret"
end
print(f())
for i = 1, 3 do
  local r <close> = setmetatable({}, {__close = function() print("close iter", i) end})
  if i == 2 then break end
end

-- compile-time constant folding of const
local K <const> = 2 ^ 10
print(K, math.type(K))
