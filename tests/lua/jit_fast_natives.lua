-- jit_fast_natives: string.byte, math.floor and math.sqrt, which compiled code computes inline
-- for common arguments, must behave exactly as the library functions for every argument,
-- when replaced, and under a debug hook.

local function show(...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = tostring(t[i]) .. ":" .. (math.type(t[i]) or type(t[i])) end
  return table.concat(t, " ")
end

local function bytes(s, i) return s:byte(i) end
local function byte1(s) return string.byte(s) end
local function byte2(s, i) return string.byte(s, i) end
local function floor(x) return math.floor(x) end
local function sqrt(x) return math.sqrt(x) end

-- Warm up (adaptive mode compiles these), then edge cases.
local acc = 0
for i = 1, 3000 do
  acc = acc + bytes("hello", i % 5 + 1) + byte1("A") + byte2("xy", 2) + floor(i / 7) + sqrt(i)
end
print("warm", math.floor(acc))

local s = "h\0\255llo"
for _, i in ipairs({1, 2, 3, 5, 6, 7, 0, -1, -5, -6, -7, math.maxinteger, math.mininteger}) do
  print("byte", i, show(bytes(s, i)))
end
print("byte float index", show(bytes(s, 2.0)), pcall(bytes, s, 2.5))
print("byte string index", show(bytes(s, "3")))
print("byte number receiver", show(byte2(12345, 2)), show(byte1(987)), pcall(bytes, 5, 1))
print("byte empty", show(bytes("", 1)), show(byte1("")))
print("byte errors", pcall(bytes, {}, 1))
print("byte nil", pcall(byte1, nil))

for _, x in ipairs({0, -0.0, 3, -3, 3.5, -3.5, 2^53, -2^53, 2^62, 2^63, -2^63, -2^63 - 1025,
                    math.huge, -math.huge, math.maxinteger, math.mininteger, 1e300, 0.1, -0.1}) do
  print("floor", x, show(floor(x)))
end
print("floor nan", floor(0/0) ~= floor(0/0), math.type(floor(0/0)))
print("floor string", show(floor("7.9")), show(floor("0x10")), pcall(floor, "x"))
print("floor errors", pcall(floor, nil))

for _, x in ipairs({0, -0.0, 4, 2, 2.25, 1e308, math.huge, math.maxinteger, -1, -4.0}) do
  local r = sqrt(x)
  print("sqrt", x, r ~= r and "nan" or show(r))
end
print("sqrt string", show(sqrt("16")), pcall(sqrt, {}))

-- Replaced library functions take the generic call.
local real_byte, real_floor, real_sqrt = string.byte, math.floor, math.sqrt
string.byte = function(str, i) return "fake byte" end
math.floor = function(x) return "fake floor" end
math.sqrt = function(x) return "fake sqrt" end
print("replaced", bytes("abc", 1), byte1("abc"), floor(2.5), sqrt(4))
string.byte, math.floor, math.sqrt = real_byte, real_floor, real_sqrt
print("restored", bytes("abc", 1), byte1("abc"), floor(2.5), sqrt(4))

-- A call hook sees the library calls.
local calls = 0
debug.sethook(function(ev)
  local info = debug.getinfo(2, "n")
  if info and (info.name == "byte" or info.name == "floor" or info.name == "sqrt") then
    calls = calls + 1
  end
end, "c")
for i = 1, 3 do bytes("xyz", i) floor(i + 0.5) sqrt(i) end
debug.sethook()
print("hooked calls", calls)

-- In tail position (`return f(x)`): the result returned inline, with 0, 1 or all results
-- wanted, from plain frames and from frames reached by a tail call.
local function tfloor(x) return math.floor(x) end
local function tsqrt(x) return math.sqrt(x) end
local function tbyte(s, i) return s:byte(i) end
local function tbyte1(s) return string.byte(s) end
local function via(x) return tfloor(x) end
local sum, cnt = 0, 0
for i = 1, 3000 do
  sum = sum + tfloor(i / 3) + tbyte("abcdef", i % 6 + 1) + tbyte1("z") + via(i + 0.5)
  tfloor(i)                       -- no result wanted
  cnt = cnt + select("#", tfloor(i + 0.25), tsqrt(i))  -- all results wanted
  sum = sum + tsqrt(i * i)
end
print("tail fast natives", sum, cnt)
print("tail kinds", math.type(tfloor(2^53)), math.type(tfloor(1e300)), tfloor(-3.5), tsqrt(2))
print("tail out of range", tbyte("abc", 10), select("#", tbyte("abc", 10)), tbyte("abc", -1))
print("tail errors", pcall(tfloor, "x"), pcall(tsqrt, {}))
print("tail string coercion", tfloor("7.9"), tsqrt("16"))
local co = coroutine.wrap(function(x)
  for _ = 1, 200 do x = tfloor(x + 0.5) end
  coroutine.yield(x)
  return tfloor(x * 1.5)
end)
print("tail in coroutine", co(1), co())
