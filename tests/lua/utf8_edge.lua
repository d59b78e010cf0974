-- utf8 edge cases: boundaries, overlong encodings, surrogates, lax mode, offsets
print(#utf8.char(0x7F), #utf8.char(0x80), #utf8.char(0x7FF), #utf8.char(0x800), #utf8.char(0xFFFF), #utf8.char(0x10000), #utf8.char(0x10FFFF))
print(utf8.len("\xC0\x80"), utf8.len("\xED\xA0\x80"), utf8.len("\xED\xA0\x80", 1, -1, true), utf8.len("\xF4\x90\x80\x80"), utf8.len("\xF4\x90\x80\x80", 1, -1, true))
print(utf8.len("abc", 4), utf8.len("abc", 2, 1), utf8.len("", 1))
local s = "aé中😀"
for i = -4, 5 do io.write(tostring(utf8.offset(s, i)), " ") end print()
print(utf8.offset(s, 0, 3), utf8.offset(s, 0, 4), utf8.offset(s, 0, 5))
print(pcall(utf8.offset, s, 1, 20))
print(utf8.codepoint(s, 1, 1), pcall(utf8.codepoint, s, 3))
print(utf8.char(0x48, 0x49), pcall(utf8.char, 0x80000000))
print(pcall(utf8.codepoint, ""), select("#", utf8.codepoint("abc", 3, 2)))
for p, c in utf8.codes("\u{7FF}\u{800}", true) do io.write(p, ":", c, " ") end print()
