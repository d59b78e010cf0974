-- os.exit(code, true) inside a coroutine: lua_close closes the main thread only (the coroutine's
-- to-be-closed variable is not closed), finalizers run, the status is the code
local u = setmetatable({}, {__gc = function() print("gc u") end})
local c0 <close> = setmetatable({}, {__close = function() print("close main") end})
local co = coroutine.wrap(function()
  local c <close> = setmetatable({}, {__close = function(_, e) print("close in co", e) end})
  os.exit(7, true)
end)
co()
