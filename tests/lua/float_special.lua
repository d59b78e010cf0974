-- inf, -inf, nan, -0.0 behave like IEEE doubles
local inf, nan = math.huge, 0/0
print(inf, -inf, inf + 1, inf - inf ~= inf - inf, inf * 0 ~= inf * 0, -inf < inf)
print(nan ~= nan, not (nan < nan), not (nan >= nan), math.max(1, 2))
print(1/0 > math.maxinteger, -1/0 < math.mininteger)
print(0.0 == -0.0, 1/0.0, 1/-0.0, -0.0, 0.0 * -1, -0.0 + 0)
print(math.floor(-0.0), math.tointeger(-0.0), string.format("%g", -0.0))
local t = {}
t[0.0] = "zero"
print(t[-0.0], t[0])
print(pcall(function() t[nan] = 1 end))
print(t[nan])
print(3 % inf, -3 % inf, 3 % -inf, -3 % -inf)
print(inf // 1, -inf // 1, 5 // inf, -5 // inf)
print(math.fmod(5, inf), math.fmod(-5, inf))
print(2^1024, -(2^1024), 2^-1080)
print(math.huge // 0, -math.huge // 0)
