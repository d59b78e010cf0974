-- __gc finalizers: run on collect, reverse order of marking for objects in one cycle, at close
local log = {}
local function obj(name) return setmetatable({name = name}, {__gc = function(o) log[#log + 1] = o.name end}) end
do obj("a"); obj("b"); obj("c") end
collectgarbage()
print(table.concat(log, " "))
log = {}
-- __gc set after setmetatable does not count
local late = setmetatable({}, {})
getmetatable(late).__gc = function() log[#log + 1] = "late" end
late = nil
collectgarbage()
print("late finalizer ran:", #log)
-- resurrection: finalizer stores object globally
local saved
do setmetatable({v = "resurrected"}, {__gc = function(o) saved = o end}) end
collectgarbage()
print(saved and saved.v)
-- an error in __gc becomes a warning, not an error
warn("@on")
do setmetatable({}, {__gc = function() error("gc failure") end}) end
collectgarbage()
print("still running")
-- finalizers run at exit
setmetatable({}, {__gc = function() print("finalized at exit") end})
_G.keepalive = setmetatable({}, {__gc = function() print("global finalized at exit") end})
print("end of main")
