-- syntax error messages from load()
local cases = {
  "x = = 1",
  "local function end",
  "if x then",
  "function f() return 1",
  "for i = 1 do end",
  "for a, b in do end",
  "x = }",
  "print('a' 'b')",
  "local t = {1, 2",
  "a.b:c = 1",
  "x = 1 +",
  "return return",
  "goto nowhere",
  "break",
  "f(",
  "x = #",
  "local 1 = 2",
  "while true do",
  "repeat x = 1",
  "(f)",
  "a, b",
  "x = 'abc\ndef'",
  "--[[ unfinished",
  "x = 0x1p",
  "::lbl:: ::lbl::",
  "local x <close> = 1 local y <close> = 2 x = 3",
  "return ...",
  "function f() return ... end",
  "x = 3 y = 4 z",
  "@",
  "x = ~= 1",
}
for i, src in ipairs(cases) do
  local f, err = load(src, "=case" .. i)
  print(i, f and "ok" or err)
end
print(load("x =", "@file.lua"))
print(load("x =", "literal chunk"))
print(load("\n\n\nx ="))
