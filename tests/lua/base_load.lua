-- load with strings, reader functions, chunk names, modes and environments
local f = load("return 1 + 1")
print(f())
print(load("return ...", "varargs")(7, 8))
local parts = {"return ", "'from", " reader'"}
local i = 0
print(load(function() i = i + 1 return parts[i] end)())
print(type(load(function() return nil end)))
local env = {y = 5}
local g = load("x = 10; return y", "envchunk", "t", env)
print(g(), env.x, x)
print(load("syntax error here", "=mychunk"))
print(type(load("error('runtime')", "@myfile.lua")))
print(pcall(load("error('runtime')", "@myfile.lua")))
print(pcall(load("error('runtime')", "=(custom)")))
print(pcall(load("error('runtime')")))
print(pcall(load("\n\nerror('line3')", "multi")))
print(load("return 1", "x", "b"))
print(pcall(load, "return 1", "x", "q"))
print(pcall(load))
print(pcall(load, function() return {} end))
-- upvalue _ENV of loaded chunk is the globals by default
print(load("return _ENV")() == _G)
-- reader returning empty string ends the chunk
local pieces = {"return 4", "2", ""}
local j = 0
print(load(function() j = j + 1 return pieces[j] end)())
-- reader error
print(pcall(load, function() error("reader failed") end))
-- long chunk name truncated in messages
print(load("x=", string.rep("n", 100)))
print(load("x=", "=" .. string.rep("m", 100)))
print(load("x=", "@" .. string.rep("p", 100) .. ".lua"))
