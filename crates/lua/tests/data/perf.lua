-- The workloads of tests/lpattern_perf.rs, for timing with lua5.4.
local parts = {}
for i = 0, 19999 do parts[#parts + 1] = "key" .. i .. " = value" .. i .. "; " end
local s = table.concat(parts)
local t = os.clock() local n = 0
for _ = 1, 10 do for a, b in s:gmatch("(%w+)%s*=%s*(%w+)") do n = n + 2 end end
print("gmatch", os.clock() - t, n)
t = os.clock() local total = 0
for _ = 1, 10 do local o, k = s:gsub("%d+", "<%0>") total = total + #o + k end
print("gsub", os.clock() - t, total)
t = os.clock() local hits = 0
for i = 0, 199 do
  if s:find("value" .. i * 10) then hits = hits + 1 end
  if not s:find("key1999%d;") then hits = hits + 1 end
end
print("find", os.clock() - t, hits)
t = os.clock() local m = 0
for _ = 1, 10 do if s:match("^(.-)%s*$") then m = m + 1 end end
print("match", os.clock() - t, m)
t = os.clock() local sz = 0
for _ = 1, 200000 do local b = string.pack("<i4 d s1", 7, 2.5, "hello") local x, y, z, nx = string.unpack("<i4 d s1", b) sz = sz + #b + 3 end
print("pack+unpack", os.clock() - t, sz)
