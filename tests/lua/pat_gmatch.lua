-- string.gmatch, including captures, anchors, init and empty matches
for w in ("the quick brown fox"):gmatch("%a+") do io.write(w, ".") end print()
for k, v in ("a=1, b=2, c=3"):gmatch("(%w+)=(%w+)") do io.write(k, "->", v, " ") end print()
for p in ("abc"):gmatch("()") do io.write(p, " ") end print()
for m in ("abc"):gmatch("x*") do io.write("[", m, "]") end print()
for m in ("a1b22c333"):gmatch("%d*") do io.write("[", m, "]") end print()
for m in ("hello"):gmatch("^h") do io.write("anchored:", m, " ") end print()
for m in ("one two three"):gmatch("%a+", 5) do io.write(m, " ") end print()
for m in ("one two three"):gmatch("%a+", -5) do io.write(m, " ") end print()
local it = ("x y"):gmatch("%a")
print(it(), it(), it())
local count = 0
for _ in string.gmatch(("ab"):rep(1000), "ab") do count = count + 1 end
print(count)
