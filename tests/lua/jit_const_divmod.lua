-- Integer % and // by constant divisors in hot loops (compiled code divides by multiplying
-- with a magic number or masks/shifts for powers of two): must equal floor division.
local maxi, mini = math.maxinteger, math.mininteger
local xs = {0, 1, -1, 2, -2, 3, -3, 7, -7, 8, -8, 9, -9, 100, -100, 359, 360, 361, -359, -360,
  -361, 10006, 10007, 10008, -10007, 1000002, 1000003, -1000003, maxi, mini, maxi - 1,
  mini + 1, 123456789012345, -123456789012345, 4611686018427387904, -4611686018427387904}
local seed = 12345
for _ = 1, 200 do
  seed = (seed * 1103515245 + 12345) % 2147483648
  xs[#xs + 1] = seed * (seed % 3 - 1) * 4097
end
local function run()
  local acc = 0
  local lines = {}
  for i = 1, #xs do
    local x = xs[i]
    local r = {x % 2, x // 2, x % 3, x // 3, x % 7, x // 7, x % 8, x // 8, x % 10, x // 10,
      x % 360, x // 360, x % 10007, x // 10007, x % 1000003, x // 1000003,
      x % 1000000007, x // 1000000007, x % -2, x // -2, x % -7, x // -7, x % -10, x // -10,
      x % maxi, x // maxi, x % 4611686018427387904, x // 4611686018427387904}
    for j = 1, #r do acc = (acc + r[j] * j) % 1000000007 end
    if i <= 40 then lines[#lines + 1] = table.concat(r, " ") end
  end
  return acc, lines
end
local first
for round = 1, 30 do
  local acc, lines = run()
  if round == 1 then
    first = acc
    for _, l in ipairs(lines) do print(l) end
  elseif acc ~= first then
    print("mismatch in round", round, acc, first)
  end
end
print("checksum", first)
-- the loop variable itself, as in `for i = 1, n do acc = (acc + i * 3) % 1000003 end`
local acc, f = 0, 0.0
for i = -5000, 20000 do
  acc = (acc + i * 3) % 1000003
  if i % 8 == 0 then f = f + i * 0.5 end
  acc = acc + i // 7 - i // -3
end
print(acc, f)
