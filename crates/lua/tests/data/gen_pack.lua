-- Generates pack_cases.txt: expected string.pack/unpack/packsize results from PUC-Lua 5.4.
-- Run: lua5.4 gen_pack.lua > pack_cases.txt
-- Lines (tab-separated):
--   pack      <fmt-hex>  <values>        <result-hex | e:message>
--   unpack    <fmt-hex>  <data-hex>  <init|->  <values | e:message>
--   packsize  <fmt-hex>  <n | e:message>
-- values: space-separated i:<int> f:<%.17g> s:<hex>; fmt and data are hex-encoded.
local function hex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end
local function enc(v)
  if math.type(v) == "integer" then return "i:" .. v
  elseif math.type(v) == "float" then return "f:" .. string.format("%.17g", v)
  else return "s:" .. hex(v) end
end
local function encs(t, n) local o = {} for i = 1, n do o[i] = enc(t[i]) end return table.concat(o, " ") end
local function err(e) return "e:" .. tostring(e) end

local function P(fmt, ...)
  local vals = table.pack(...)
  local r = table.pack(pcall(string.pack, fmt, ...))
  print(table.concat({"pack", hex(fmt), encs(vals, vals.n), r[1] and hex(r[2]) or err(r[2])}, "\t"))
  if r[1] then
    local u = table.pack(pcall(string.unpack, fmt, r[2]))
    print(table.concat({"unpack", hex(fmt), hex(r[2]), "-", u[1] and encs(table.move(u, 2, u.n, 1, {}), u.n - 1) or err(u[2])}, "\t"))
  end
  local s = table.pack(pcall(string.packsize, fmt))
  print(table.concat({"packsize", hex(fmt), s[1] and tostring(s[2]) or err(s[2])}, "\t"))
end
local function U(fmt, data, init)
  local u = table.pack(pcall(string.unpack, fmt, data, init))
  print(table.concat({"unpack", hex(fmt), hex(data), init and tostring(init) or "-", u[1] and encs(table.move(u, 2, u.n, 1, {}), u.n - 1) or err(u[2])}, "\t"))
end

local ints = {0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, -32768, 65535, 65536, 2^31 - 1, -2^31,
  2^32 - 1, 2^32, math.maxinteger, math.mininteger, 0x123456789abcdef}
for _, n in ipairs(ints) do
  n = math.tointeger(n)
  for _, f in ipairs({"b", "B", "h", "H", "i", "I", "l", "L", "j", "J", "T", "i1", "I1", "i2", "i3", "I3",
      "i5", "I7", "i8", "I8", "i9", "I9", "i12", "I16", "i16", ">i3", "<I5", ">i16", "=j", ">J"}) do
    P(f, n)
  end
end
for _, x in ipairs({0.0, -0.0, 1.5, -2.25, 1e300, 1/0, -1/0, 3.14159265358979, 1e-310, 2^24 + 1}) do
  for _, f in ipairs({"f", "d", "n", ">f", ">d", "<n", ">n"}) do P(f, x) end
end
for _, s in ipairs({"", "a", "hello", string.rep("x", 255), string.rep("y", 256), "a\0b"}) do
  for _, f in ipairs({"s", "s1", "s2", ">s4", "s16", "z", "c5", "c0", "c300", "s3"}) do P(f, s) end
end
-- alignment and composite formats
P("!4 b i4", 1, 2); P("!8 b d", 1, 2.5); P("!2 b i8", 1, 2); P("!b h", 1, 2); P("! b j", 1, 2)
P("!4 i3", 1); P("!8 i3", 1); P("i3", 1); P("!16 b i16", 1, 2); P("!3 b", 1); P("!17", 1); P("!0 b", 1)
P("b x h", 1, 2); P("b Xh", 1); P("!4 b Xi4", 1); P("!4 b Xi8", 1); P("!2 b Xi8", 1); P("b X", 1)
P("b Xz", 1); P("b Xc1", 1); P("b X ", 1); P("b Xb", 1); P("!8 bXd d", 1, 2.0); P("<i4 >i4 =i4", 1, 2, 3)
P("z b", "hi", 7); P("s1 z s2", "a", "bc", "def"); P("bxxxB", 1, 2); P("  b  ", 5)
P("y", 1); P("i17", 1); P("i0", 1); P("I100", 1); P("c", ""); P("i100000000000000000000", 1)
U("c100000000000000000000", ""); P("Xi4"); P("X"); P("cx", "a"); P("c2", "abc")
P("b\0b", 1, 2); P("!4 b Xz", 1); P("!", 1); P("<!4 h i4 b Xi4 d", 1, 2, 3, 4.5); P("j", 1.0); P("j", 2.0^53)
-- packsize
for _, f in ipairs({"", "b", "i16i16", "!8 b d", "!8 b Xd", "c2147483639", "c1000000000c1000000000c147483647",
    "c1000000000c1000000000c147483648", "s", "z", string.rep("i16", 200), "c9223372036854775807c2",
    "d i3 !4 i3", "!4 b Xi16"}) do
  local s = table.pack(pcall(string.packsize, f))
  print(table.concat({"packsize", hex(f), s[1] and tostring(s[2]) or err(s[2])}, "\t"))
end
-- unpack errors and positions
U("i4", "abc"); U("z", "abc"); U("z", "abc", 4); U("z", "abc\0", 1); U("i4", "abcd", 6); U("i4", "abcd", 5)
U("i4", "abcd", -2); U("i4", "abcd", -10); U("", "abc", 4); U("b", "abc", 1 << 62); U("b", "abc", math.mininteger)
U("i9", string.rep("\255", 8) .. "\1"); U("i9", string.rep("\255", 9)); U("I9", string.rep("\255", 8) .. "\0")
U("<i16", string.rep("\255", 16)); U("<i16", "\1" .. string.rep("\0", 7) .. "\1" .. string.rep("\0", 7))
U("<I16", string.rep("\255", 8) .. string.rep("\0", 8)); U("<i16", string.rep("\0", 8) .. string.rep("\255", 8))
U(">i16", string.rep("\255", 8) .. string.rep("\128", 8)); U("<i9", string.rep("\0", 8) .. "\128")
U("s1", "\5abc"); U("s1", "\3abc"); U("s16", string.rep("\255", 16) .. "x"); U("s9", "\1" .. string.rep("\0", 8) .. "x")
U("!4 b i4", "\1\0\0\0\2\0\0\0"); U("!4 b i4", "\1\0\0\0\2\0\0"); U("b b b", "\1\2\3", 2); U("c2 c1", "abc", -3)
U("xxb", "\1\2\3"); U("Xi4 b", "\1\2\3"); U("b Xi4 b", "\1\2\3\4\5"); U("!4 b Xi4 b", "\1\2\3\4\5")
U("c0 c0", ""); U("z z", "a\0\0"); U("f", "\0\0\128\127"); U("d", "\0\0\0\0\0\0\240\127")
U("i4", "\1\2\3\4", 0); U("", "", 1); U("", "", 2); U("s0", "x")
