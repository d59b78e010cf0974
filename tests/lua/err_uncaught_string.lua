-- an uncaught error ends the script with status 1
print("before the error")
local function f() error("something went wrong") end
f()
print("not reached")
