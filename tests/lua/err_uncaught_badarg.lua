-- an uncaught error raised by a library function (bad argument)
print("calling string.rep badly")
local n = nil
local s = string.rep("x", n)
