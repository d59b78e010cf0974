-- %f frontier and %b balance in depth
local text = "THE (quick) [brown] {fox} jumps"
for w in text:gmatch("%f[%a]%a+%f[%A]") do io.write(w, ",") end print()
print(("hello world"):gsub("%f[%w]%w", string.upper))
print(("aXb"):find("%f[%u]"), ("abc"):find("%f[%l]"), ("abc"):find("%f[%z]"), ("abc"):find("%f[^%l]"))
print(("((a)(b))"):match("%b()"), ("(unbalanced"):match("%b()"), ("x{a{b}c}y"):match("%b{}"))
print(("[[nested] [pairs]]"):gsub("%b[]", "B"))
print(("a(b(c)d)e(f)g"):gsub("%b()", ""))
print(("if x then y end"):match("%f[%w]then%f[%W]"))
print(("THEN"):find("%f[%a]"), ("123abc"):find("%f[%a]"))
