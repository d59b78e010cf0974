-- os.exit(true, true) closes the state first (lua_close): pending to-be-closed variables of the
-- main thread, innermost first with a nil error, then finalizers in reverse order of creation;
-- output written by them is flushed; the status is 0
local t = setmetatable({}, {__gc = function() print("gc t") end})
local u = setmetatable({}, {__gc = function() io.write("gc u (io.write)\n") end})
local e = setmetatable({}, {__gc = function() error("errors in finalizers are warnings") end})
do
  local c <close> = setmetatable({}, {__close = function(_, err) print("close c", err) end})
  local function f()
    local d <close> = setmetatable({}, {__close = function(_, err) print("close d", err) end})
    io.write("buffered before exit; ")
    os.exit(true, true)
  end
  f()
end
print("not reached")
