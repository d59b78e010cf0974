-- Generates lpattern_cases.txt: expected results of string.find/match/gmatch/gsub from PUC-Lua 5.4.
-- Run: lua5.4 gen_lpattern.lua > lpattern_cases.txt
-- Line format (tab-separated, every field escaped with esc()):
--   kind  subject  pattern  arg1  arg2  result...
-- kind: find (arg1 = init or "-", arg2 = plain "1"/"0"/"-"), match (arg1 = init), gmatch (arg1 = init;
-- iterations separated by a "/" field), gsub (arg1 = replacement string, arg2 = n or "-").
-- result fields: "n:<int>", "s:<bytes>", "nil", or a single "e:<message>" on error.
local function esc(s)
  return (s:gsub("[%c\\\128-\255]", function(c) return string.format("\\x%02x", c:byte()) end))
end
local function val(v)
  if v == nil then return "nil" elseif math.type(v) == "integer" then return "n:" .. v
  else return "s:" .. esc(v) end
end
local function pack(ok, ...)
  if not ok then return {"e:" .. esc(tostring((...)))} end
  local t = {}
  for i = 1, select("#", ...) do t[#t + 1] = val((select(i, ...))) end
  return t
end
local function emit(kind, s, p, a1, a2, res)
  print(table.concat({kind, esc(s), esc(p), esc(a1), esc(a2), table.concat(res, "\t")}, "\t"))
end

local subjects = {
  "", "a", "hello world", "  x = 10, y = 20  ", "THE (quick) fox", "aaa", "abcabc",
  "f(a(b)c)d(e", "x\0y\0z", "line1\nline2\r\n\tend\v", "[[]]%%--", "1.5e10 -3 0x1F",
  "\200\201\255abc\127", "caf\195\169 na\195\175ve", "^a^b$", "a,b,,c,", "key=val; k2=v2",
}
local patterns = {
  "", "a", "^a", "a$", "^$", ".", "..", "%a+", "%A+", "%d+", "%D", "%s+", "%S+", "%w+", "%W", "%x+",
  "%p+", "%P", "%c", "%C+", "%l+", "%u+", "%g+", "%G", "%z", "%Z+", "[%a_][%w_]*", "[^%s]+", "[a-c]+",
  "[^a-c]+", "[]]", "[^]]+", "[a-]", "[-a]", "[%]]", "[%%]+", "[%-]+", "a*", "a-", "a?", "a+", ".-",
  ".*", ".-$", "(a)", "(a*)", "(a-)b", "()", "()a()", "(%a+)%s*=%s*(%w+)", "((a)(b))", "(.)%1",
  "(a*(.)%w(%s*))", "%b()", "%b[]", "%b%%", "%f[%a]", "%f[%A]", "%f[%w]%w+", "%f[%z]", "%f[^%z]",
  "x%z", "[%z]", "^(.-)%s*$", "(%d+)%.?(%d*)", "^[+-]?%d+$", "[\0-\31]", "[\128-\255]+",
  "\195[\128-\191]", "[%a-z]", "[a-%%]", "%^", "%$", "$a", "a$b", "^^", "^%^", "(%w+),", ",,",
  "[,;]", "(k%d?)=(%w+)", "%.", "%-%-", "-", "*", "+", "?", "a**", "(()", "%", "[a", "[", "[^",
  "[a%", "%f", "%fa", "%1", "(a)%2", "(%1)", "%b", "%ba", ")", ".)", "a)", "(a", "%0", "(()%1)",
  "()(.)%2", "^(a", "[%w%s]+", "[^%w%s]", "%s*$", "%u%l+", "[]", "[^]", "[]a]+", "[a-]+", "[!-/]+",
}
for _, s in ipairs(subjects) do
  for _, p in ipairs(patterns) do
    emit("find", s, p, "-", "-", pack(pcall(string.find, s, p)))
    emit("match", s, p, "-", "-", pack(pcall(string.match, s, p)))
    local res, n = {}, 0
    local ok, err = pcall(function()
      for a, b, c in string.gmatch(s, p) do
        res[#res + 1] = val(a); if b ~= nil then res[#res + 1] = val(b) end
        if c ~= nil then res[#res + 1] = val(c) end
        res[#res + 1] = "/"; n = n + 1; if n >= 40 then break end
      end
    end)
    if not ok then res = {"e:" .. esc((tostring(err):gsub("^[^:]*:%d+: ", "")))} end
    emit("gmatch", s, p, "-", "-", res)
    emit("gsub", s, p, "<%0>", "-", pack(pcall(string.gsub, s, p, "<%0>")))
  end
end
-- init arguments and plain find
local inits = {-100, -3, -1, 0, 1, 2, 3, 5, 11, 12, 13, 100}
for _, init in ipairs(inits) do
  for _, p in ipairs({"o", "", "l+", "^l", "()", "o()", "%w+", "[^l]*", ".-"}) do
    local s = "hello world"
    emit("find", s, p, tostring(init), "-", pack(pcall(string.find, s, p, init)))
    emit("find", s, p, tostring(init), "1", pack(pcall(string.find, s, p, init, true)))
    emit("match", s, p, tostring(init), "-", pack(pcall(string.match, s, p, init)))
    local res, n = {}, 0
    for a in string.gmatch(s, p, init) do
      res[#res + 1] = val(a); res[#res + 1] = "/"; n = n + 1; if n >= 40 then break end
    end
    emit("gmatch", s, p, tostring(init), "-", res)
  end
end
for _, p in ipairs({"a.b", "%", "[", "(", "a+", ".", "^h", "d$", "o w"}) do
  for _, s in ipairs({"a.b", "xa+ba.b%[(", "hello world", "^h", "d$"}) do
    emit("find", s, p, "1", "1", pack(pcall(string.find, s, p, 1, true)))
  end
end
-- gsub replacements and limits
local repls = {"", "x", "%%", "%0%0", "%1", "%2", "[%1|%2]", "%", "%x", "a%", "%9", "%1%1"}
local gpats = {"", "%w+", "(%w+)", "(%w)(%w)", "()", "(%w+)()", "o*", "^", "$", "(", "%s*", "^%w+"}
for _, r in ipairs(repls) do
  for _, p in ipairs(gpats) do
    for _, n in ipairs({"-", "0", "1", "2", "-1", "100"}) do
      local s = "hello world from lua"
      local res
      if n == "-" then res = pack(pcall(string.gsub, s, p, r))
      else res = pack(pcall(string.gsub, s, p, r, tonumber(n))) end
      emit("gsub", s, p, r, n, res)
    end
  end
end
-- adversarial
local big = string.rep("a", 1000)
local adv = {
  {big .. "b", "(a*)*b"}, {string.rep("a", 20), "a*a*a*a*b"}, {big, string.rep("a?", 150) .. string.rep("a", 150)},
  {big, string.rep("a?", 300) .. string.rep("a", 300)}, {big, string.rep("()", 32)},
  {big, string.rep("()", 33)}, {big, string.rep("(a)", 32)}, {string.rep("(", 300) .. string.rep(")", 300), "%b()"},
  {string.rep("(", 300) .. string.rep(")", 299), "%b()"}, {string.rep("a", 300), ".-b"}, {string.rep("a", 200), "(.-)%1$"},
  {big, "^(a+)%1$"}, {big, string.rep("(a)", 33)},
  {big, "(((((((((((a)))))))))))"}, {big, string.rep("a*", 199)}, {big, string.rep("a*", 200)},
  {big, string.rep("a", 250)}, {"ab", string.rep("(", 31) .. "a" .. string.rep(")", 31)},
}
for _, c in ipairs(adv) do
  emit("find", c[1], c[2], "-", "-", pack(pcall(string.find, c[1], c[2])))
  if not c[2]:find("a?", 1, true) then
    emit("gsub", c[1], c[2], "%0", "-", pack(pcall(string.gsub, c[1], c[2], "%0")))
  end
end
