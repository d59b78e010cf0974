-- goto: continue in nested loops, backward jumps, goto out of a block with locals, closures in goto loops
local out = {}
for i = 1, 3 do
  for j = 1, 3 do
    if j == 2 then goto continue end
    out[#out + 1] = i .. j
    ::continue::
  end
end
print(table.concat(out, " "))
local i = 0
::loop::
i = i + 1
if i < 5 then goto loop end
print("i =", i)
do
  local x = 1
  goto skip
  ::skip::
  print("x =", x)
end
-- goto in a while with a repeat inside
local k = 0
while k < 3 do
  k = k + 1
  repeat
    if k == 2 then goto next_k end
    io.write("k", k, " ")
  until true
  ::next_k::
end
print()
-- labels with the same name in different functions/blocks
do ::same:: end
do ::same:: end
local function g() goto e ::e:: return "ok" end
print(g())
print(load("goto f; local a; ::f:: ::g::") ~= nil)
print(load("repeat goto cont; local x; ::cont:: until x"))
