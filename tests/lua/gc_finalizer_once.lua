-- a finalizer runs once even if the object is resurrected; objects finalized in reverse creation order
local log = {}
local keep
local mt = {__gc = function(o) log[#log + 1] = o.id keep = o end}
for i = 1, 5 do setmetatable({id = i}, mt) end
collectgarbage()
print(table.concat(log, " "))
log = {}
keep = nil
collectgarbage()
collectgarbage()
print("second round:", #log)
-- an object referenced by a finalized object stays accessible in the finalizer
local inner_seen
do
  local inner = {name = "inner"}
  setmetatable({ref = inner}, {__gc = function(o) inner_seen = o.ref.name end})
end
collectgarbage()
print(inner_seen)
-- __gc field that is not a function is ignored
setmetatable({}, {__gc = true})
collectgarbage()
print("non-function __gc ignored")
