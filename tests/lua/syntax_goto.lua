-- goto and labels: loops via goto, continue idiom, nested blocks, labels at block end
local i = 1
::top::
if i <= 3 then
  print("iter", i)
  i = i + 1
  goto top
end

for j = 1, 6 do
  if j % 2 == 0 then goto continue end
  print("odd", j)
  ::continue::
end

-- closures created in a goto loop capture fresh locals
local fns = {}
do
  local k = 1
  ::again::
  local v = k * 10
  fns[#fns + 1] = function() return v end
  k = k + 1
  if k <= 3 then goto again end
end
for _, f in ipairs(fns) do print("captured", f()) end

-- jumping out of nested loops
for a = 1, 3 do
  for b = 1, 3 do
    if a * b == 4 then
      print("found", a, b)
      goto done
    end
  end
end
::done::
print("after done")

-- label visible in nested function is not allowed; goto into scope of local is an error
print(load("goto l1; local x; ::l1:: print(x)"))
print(load("do goto l2 end"))
print(load("::a:: ::a::"))
-- label at end of block after local is fine (5.4 rule)
print(load("do local x; goto e; local y; ::e:: end") ~= nil)
