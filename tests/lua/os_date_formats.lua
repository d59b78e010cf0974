-- os.date with every common conversion, in UTC, for fixed times
local t = 1234567890
for _, f in ipairs({"%a", "%A", "%b", "%B", "%c", "%d", "%D", "%e", "%F", "%g", "%G", "%h", "%H", "%I", "%j",
  "%m", "%M", "%n", "%p", "%r", "%R", "%S", "%t", "%T", "%u", "%U", "%V", "%w", "%W", "%x", "%X", "%y", "%Y", "%z", "%Z", "%%"}) do
  io.write(f, "=", os.date("!" .. f, t), "|")
end
print()
print(os.date("!%Y-%m-%dT%H:%M:%S", 0), os.date("!%c", 951782400))
local d = os.date("!*t", t)
local keys = {}
for k, v in pairs(d) do keys[#keys + 1] = k .. "=" .. tostring(v) end
table.sort(keys)
print(table.concat(keys, " "))
print(os.time({year = 2009, month = 2, day = 13, hour = 23, min = 31, sec = 30}))
print(os.time({year = 2000, month = 1, day = 1, hour = 0, min = 0, sec = -1}))
print(pcall(os.date, "%Q"))
print(pcall(os.date, "*t", "x"))
print(os.date("!%H", 3600 * 5), type(os.date()))
