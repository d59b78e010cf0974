-- hello.lua: the first program of the README. Prints a greeting, the Lua version, and a few
-- computed values that exercise integers, floats, strings and tables.
print("Hello from " .. _VERSION .. "!")
local squares = {}
for i = 1, 10 do squares[#squares + 1] = i * i end
print("squares:", table.concat(squares, " "))
print("2^63 as float:", 2^63, "  max integer:", math.maxinteger)
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print("fib(25) =", fib(25))
print(string.format("pi is about %.6f", math.pi))
