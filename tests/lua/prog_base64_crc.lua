-- Base64 encode/decode and CRC-32 using bitwise operators
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function b64encode(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = (a << 16) | ((b or 0) << 8) | (c or 0)
    local chunk = {}
    for k = 3, 0, -1 do
      local idx = (n >> (6 * k)) & 63
      chunk[#chunk + 1] = alphabet:sub(idx + 1, idx + 1)
    end
    if not b then chunk[3], chunk[4] = "=", "=" elseif not c then chunk[4] = "=" end
    out[#out + 1] = table.concat(chunk)
  end
  return table.concat(out)
end
local rev = {}
for i = 1, #alphabet do rev[alphabet:sub(i, i)] = i - 1 end
local function b64decode(s)
  s = s:gsub("[^%w%+/=]", "")
  local out = {}
  for i = 1, #s, 4 do
    local q = s:sub(i, i + 3)
    local n, pad = 0, 0
    for k = 1, 4 do
      local ch = q:sub(k, k)
      if ch == "=" then pad = pad + 1 n = n << 6 else n = (n << 6) | rev[ch] end
    end
    local bytes = string.char((n >> 16) & 255, (n >> 8) & 255, n & 255)
    out[#out + 1] = bytes:sub(1, 3 - pad)
  end
  return table.concat(out)
end
local crc_table = {}
for i = 0, 255 do
  local c = i
  for _ = 1, 8 do if c & 1 == 1 then c = 0xEDB88320 ~ (c >> 1) else c = c >> 1 end end
  crc_table[i] = c
end
local function crc32(s)
  local c = 0xFFFFFFFF
  for i = 1, #s do c = crc_table[(c ~ s:byte(i)) & 0xFF] ~ (c >> 8) end
  return c ~ 0xFFFFFFFF
end
for _, s in ipairs({"", "f", "fo", "foo", "foob", "fooba", "foobar", "Moonlift: a JIT for Lua 5.4", "\0\255\128"}) do
  local e = b64encode(s)
  print(string.format("%-36s %-40s %08x %s", ("%q"):format(s), e, crc32(s), tostring(b64decode(e) == s)))
end
print(string.format("%08x", crc32("The quick brown fox jumps over the lazy dog")))
