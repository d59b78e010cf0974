-- the .. operator: numbers, strings, errors, right associativity, long chains
print("a" .. "b" .. "c", 1 .. 2, 1.5 .. "x", "x" .. 2^63, -0.0 .. "")
print(pcall(function() return "a" .. nil end))
print(pcall(function() return "a" .. {} end))
print(pcall(function() return true .. "" end))
print(pcall(function() local t = {} return t.x .. "s" end))
print(pcall(function() local u return "s" .. u end))
local parts = {}
for i = 1, 20 do parts[i] = i end
local s = ""
for i = 1, 20 do s = s .. parts[i] .. (i < 20 and "," or "") end
print(s)
local a, b, c, d, e = "1", "2", "3", "4", "5"
print(a .. b .. c .. d .. e .. a .. b .. c .. d .. e)
print(#("x"):rep(1000) .. ("y"):rep(10))
print(math.mininteger .. "", math.maxinteger .. "|")
