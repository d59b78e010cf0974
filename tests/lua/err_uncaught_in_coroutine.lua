-- an error inside a coroutine.wrap propagates to the caller uncaught
local gen = coroutine.wrap(function()
  coroutine.yield(1)
  local t = nil
  return t[1]
end)
print(gen())
print(gen())
