-- an uncaught runtime error with a variable name
io.write("partial output without newline")
local config = nil
print(config.value)
