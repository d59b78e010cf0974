-- repetitions followed by a literal (the matcher skips positions where the literal cannot start):
-- results, captures and errors must be those of lua5.4
local s = "key=value; other=thing; last=x"
print(s:match("(.-)="), s:match("=(.-);"), s:match(".-;(.-)=(.*)"))
print(s:find("e.-;"), s:find("e.*;"), s:find("[a-z]-="), s:find("%a*;"))
print(s:match("(.*)=(.-)$"), s:match("o(.-)r"), s:match("z.-;"), s:match("k.-Q"))
print(("aXbXc"):match("(.-)X(.-)X"), ("aXbXc"):match("(.*)X(.*)"))
print(("abc"):match("a.-"), ("abc"):match("a.-c"), ("abc"):match("a(.-)()c"))
print(("aaa"):match("^(a-)a$"), ("aaa"):match("^(a*)a$"), ("baaab"):match("b(a-)b"))
print(("x=1,y=2"):gsub("(%w+)=(%w-),", "%2=%1;"))
for k, v in ("a=1, b=22, c=333"):gmatch("(%a)=(%d-),") do io.write(k, v, " ") end
print()
-- literal after a closing capture that closes nothing: the error still comes
print(pcall(string.find, "abc", ".-)x"))
print(pcall(string.find, "abc", "a*)b"))
-- special characters after the repetition are not literals
print(("a.b"):match("(.-)%."), ("a$b"):match("(.-)%$"), ("a]b"):match("(.-)]"))
print(("a-b"):match("(.-)-"), ("ab"):match("(.-)$"), ("a(b"):match("(.-)%("))
-- deep nesting near the recursion limit still raises "pattern too complex"
print(pcall(string.match, string.rep("a", 300), string.rep("a?", 300) .. "b"))
