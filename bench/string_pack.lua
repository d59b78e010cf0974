-- string_pack: string.pack / string.unpack / string.packsize over records of mixed formats
-- (Lua 5.4 only: LuaJIT has no string.pack). Argument: rounds (default 100).
-- bench: lua54-only
local rounds = tonumber(arg and arg[1]) or 100
local pack, unpack = string.pack, string.unpack
local fmt = "<i4 I2 d s1 B j"
local checksum = 0
for r = 1, rounds do
  local parts = {}
  for i = 1, 5000 do
    parts[i] = pack(fmt, i * r - 2500, i % 65536, i / 7, "rec" .. (i % 97), i % 256, i * 1000003)
  end
  local blob = table.concat(parts)
  local pos, sum = 1, 0
  while pos <= #blob do
    local a, b, c, s, d, e
    a, b, c, s, d, e, pos = unpack(fmt, blob, pos)
    sum = (sum + a + b + math.floor(c) + #s + d + e % 1000) % 1000000007
  end
  -- fixed-size big-endian records and packsize
  local size = string.packsize(">i8 i8 h h")
  local acc = 0
  for i = 1, 5000 do
    local x, y, z, w = unpack(">i8 i8 h h", pack(">i8 i8 h h", i, -i, i % 30000, -(i % 30000)))
    acc = acc + x - y + z - w
  end
  checksum = (checksum + sum + acc + size) % 1000000007
end
print(checksum)
