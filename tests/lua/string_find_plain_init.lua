-- string.find/match init argument semantics
local s = "abcabc"
print(s:find("b", 3), s:find("b", -2), s:find("b", 100), s:find("", 7), s:find("", 8))
print(s:find("a", 0), s:find("a", -100), s:match("c", 4), s:match("(c)", -1))
print(s:find("bc", 1, true), s:find("[a", 1, true), s:find("%", 1, true))
print(pcall(s.find, s, "[a"))
print(("a+b"):find("+", 1, true), ("a.b"):find(".", 2, true))
print(("x"):find("x", 1, false), ("x"):find(".", 1, nil))
