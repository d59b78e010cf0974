-- string.format widths, precisions and flags for each conversion
local sf = string.format
for _, f in ipairs({"%5d", "%-5d|", "%05d", "%+5d", "% d", "%5.3d", "%x", "%#X", "%#o", "%o"}) do
  io.write(f, "=[", sf(f, 42), "] ")
end
print()
for _, f in ipairs({"%.0f", "%.1f", "%10.4f", "%-10.2f|", "%+.3e", "%.0e", "%#.0e", "%g", "%.10g", "%#.3g", "%G", "%10.3g|"}) do
  io.write(f, "=[", sf(f, 1234.5678), "] ")
end
print()
for _, f in ipairs({"%s", "%10s", "%-10s|", "%.3s", "%10.2s"}) do io.write(f, "=[", sf(f, "lua-string"), "] ") end
print()
print(sf("%c%c%c", 0x4c, 0x75, 0x61), #sf("%c", 0), sf("%5c|", 65))
print(sf("%.3f %.3f %.3f", 0.0005, 0.0015, 2.5e-10), sf("%e", 0), sf("%g", 0.0001), sf("%g", 123456789))
print(sf("%a", 0), sf("%a", -0.0), sf("%a", 2^-1074), sf("%.0a", 1.5))
print(sf("%d%%", 50), sf("%-3s|%3s", "a", "b"), sf("%s %d %s", "x", 1, nil))
