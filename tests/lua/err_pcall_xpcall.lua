-- pcall and xpcall
print(pcall(function(...) return ... end, 1, 2, 3))
print(pcall(pcall, error, "x"))
print(pcall(nil))
print(pcall(42))
print(pcall(pcall))
print(xpcall(function() error("bad") end, function(m) return "handled: " .. m end))
print(xpcall(function(a, b) return a + b end, print, 3, 4))
print(xpcall(function() error({}) end, function(m) return type(m) end))
-- handler receives non-string errors unchanged
print(xpcall(function() error(99) end, function(m) return m + 1 end))
-- runtime error, handler sees message with position
print(xpcall(function() local x = nil; return x.y end, function(m) return "H:" .. m end))
-- error inside handler
print(xpcall(function() error("first") end, function(m) error("second") end))
-- traceback as handler
local ok, tb = xpcall(function() error("deep") end, debug.traceback)
print(ok, tb:match("^[^\n]+"), tb:find("stack traceback:", 1, true) ~= nil)
print(pcall(xpcall))
print(pcall(xpcall, print))
-- nested pcall
print(pcall(function()
  local ok, e = pcall(error, "inner")
  error("outer after " .. e, 0)
end))
-- error objects pass through multiple levels
local ok2, e2 = pcall(function() pcall(function() end) error({tag = "T"}) end)
print(ok2, e2.tag)
