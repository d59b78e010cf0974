-- an uncaught error raised inside a metamethod
local t = setmetatable({}, {__index = function(_, k) error("no field " .. k) end})
print("looking up")
print(t.missing)
