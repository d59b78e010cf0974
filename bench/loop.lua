-- loop: numeric for with integer and float arithmetic. Argument: iterations (default 40000000).
local n = tonumber(arg and arg[1]) or 40000000
local acc, f = 0, 0.0
for i = 1, n do
  acc = (acc + i * 3) % 1000003
  if i % 8 == 0 then f = f + i * 0.5 end
end
print(acc, string.format("%.1f", f))
