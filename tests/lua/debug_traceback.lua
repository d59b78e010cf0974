-- debug.traceback format
local function level3() return debug.traceback("msg here") end
local function level2() return level3() end
local function level1() return level2() end
print(level1())
print(debug.traceback("no levels", 1):match("^[^\n]*\n[^\n]*"))
print(debug.traceback(42))
print(debug.traceback(nil))
print(type(debug.traceback()))
local t = {}
print(debug.traceback(t) == t)
local co = coroutine.create(function() coroutine.yield() end)
coroutine.resume(co)
print(debug.traceback(co))
print(debug.traceback(co, "comsg"))
print(debug.traceback("lvl2", 2))
