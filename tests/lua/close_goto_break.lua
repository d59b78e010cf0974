-- <close> variables closed when leaving a block by goto, break, return, or error in nested blocks
local log = {}
local function res(name) return setmetatable({}, {__close = function() log[#log + 1] = name end}) end
do
  local i = 0
  ::again::
  do
    local r <close> = res("goto" .. i)
    i = i + 1
    if i < 3 then goto again end
  end
end
print(table.concat(log, " "))
log = {}
while true do
  local a <close> = res("a")
  do
    local b <close> = res("b")
    break
  end
end
print(table.concat(log, " "))
log = {}
local function f(n)
  local x <close> = res("x" .. n)
  if n > 0 then return f(n - 1) end -- not a tail call when a tbc variable is active
  return "bottom"
end
print(f(3), table.concat(log, " "))
log = {}
for i = 1, 2 do
  local r <close> = res("loop" .. i)
  for j = 1, 2 do
    local s <close> = res("inner" .. i .. j)
    if j == 2 then goto next end
  end
  ::next::
end
print(table.concat(log, " "))
