-- Arbitrary-precision natural numbers (base 10^7 limbs) with metatables: factorials and Fibonacci
local B = 10000000
local Big = {}
Big.__index = Big
local function big(n) local t = setmetatable({}, Big) repeat t[#t + 1] = n % B n = n // B until n == 0 return t end
function Big.__add(a, b)
  if type(a) == "number" then a = big(a) end
  if type(b) == "number" then b = big(b) end
  local r, carry = setmetatable({}, Big), 0
  for i = 1, math.max(#a, #b) do
    local s = (a[i] or 0) + (b[i] or 0) + carry
    r[i] = s % B carry = s // B
  end
  if carry > 0 then r[#r + 1] = carry end
  return r
end
function Big.__mul(a, b)
  if type(a) == "number" then a, b = b, a end
  if type(b) == "number" then
    local r, carry = setmetatable({}, Big), 0
    for i = 1, #a do local p = a[i] * b + carry r[i] = p % B carry = p // B end
    while carry > 0 do r[#r + 1] = carry % B carry = carry // B end
    return r
  end
  local r = setmetatable({}, Big)
  for i = 1, #a + #b do r[i] = 0 end
  for i = 1, #a do
    local carry = 0
    for j = 1, #b do
      local cur = r[i + j - 1] + a[i] * b[j] + carry
      r[i + j - 1] = cur % B carry = cur // B
    end
    local k = i + #b
    while carry > 0 do local cur = r[k] + carry r[k] = cur % B carry = cur // B k = k + 1 end
  end
  while #r > 1 and r[#r] == 0 do r[#r] = nil end
  return r
end
function Big.__tostring(a)
  local parts = {tostring(a[#a])}
  for i = #a - 1, 1, -1 do parts[#parts + 1] = string.format("%07d", a[i]) end
  return table.concat(parts)
end
function Big.__eq(a, b) if #a ~= #b then return false end for i = 1, #a do if a[i] ~= b[i] then return false end end return true end
local f = big(1)
for i = 2, 50 do f = f * i end
print("50! =", tostring(f))
local a, b = big(0), big(1)
for i = 1, 200 do a, b = b, a + b end
print("fib(200) =", tostring(a))
local x = big(123456789) * big(987654321) * big(111111111)
print(tostring(x), tostring(x * x))
print(big(5) + 5 == big(10), tostring(2 * big(B - 1)))
