-- Rational and complex number types with full operator sets
local Q = {}
Q.__index = Q
local function gcd(a, b) while b ~= 0 do a, b = b, a % b end return math.abs(a) end
local function q(n, d)
  d = d or 1
  if d == 0 then error("zero denominator", 2) end
  if d < 0 then n, d = -n, -d end
  local g = gcd(n, d)
  return setmetatable({n = n // g, d = d // g}, Q)
end
local function lift(x) return getmetatable(x) == Q and x or q(x) end
Q.__add = function(a, b) a, b = lift(a), lift(b) return q(a.n * b.d + b.n * a.d, a.d * b.d) end
Q.__sub = function(a, b) a, b = lift(a), lift(b) return q(a.n * b.d - b.n * a.d, a.d * b.d) end
Q.__mul = function(a, b) a, b = lift(a), lift(b) return q(a.n * b.n, a.d * b.d) end
Q.__div = function(a, b) a, b = lift(a), lift(b) return q(a.n * b.d, a.d * b.n) end
Q.__unm = function(a) return q(-a.n, a.d) end
Q.__pow = function(a, k) local r = q(1) for _ = 1, k do r = r * a end return r end
Q.__eq = function(a, b) return a.n == b.n and a.d == b.d end
Q.__lt = function(a, b) a, b = lift(a), lift(b) return a.n * b.d < b.n * a.d end
Q.__le = function(a, b) a, b = lift(a), lift(b) return a.n * b.d <= b.n * a.d end
Q.__tostring = function(a) return a.d == 1 and tostring(a.n) or (a.n .. "/" .. a.d) end
local h = q(0)
for i = 1, 10 do h = h + q(1, i) end
print("H10 =", tostring(h))
print(tostring(q(1, 2) + q(1, 3)), tostring(q(3, 4) - 1), tostring(2 * q(5, 6)), tostring(q(2, 3) / q(4, 9)), tostring(-q(1, 2)), tostring(q(2, 3) ^ 3))
print(q(1, 2) == q(2, 4), q(1, 3) < q(1, 2), q(1, 2) <= q(1, 2), 1 < q(3, 2), q(7, 7) == q(1))
print(pcall(q, 1, 0))
local C = {}
C.__index = C
local function c(re, im) return setmetatable({re = re, im = im or 0}, C) end
local function cl(x) return type(x) == "number" and c(x) or x end
C.__add = function(a, b) a, b = cl(a), cl(b) return c(a.re + b.re, a.im + b.im) end
C.__mul = function(a, b) a, b = cl(a), cl(b) return c(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re) end
C.__tostring = function(a) return string.format("%g%+gi", a.re, a.im) end
function C:abs() return math.sqrt(self.re ^ 2 + self.im ^ 2) end
local i = c(0, 1)
print(tostring(i * i), tostring((1 + i) * (1 + i)), tostring(c(3, 4) + 1), c(3, 4):abs())
local inside = 0
for y = -10, 10 do for x = -20, 10 do
  local z, k = c(0), 0
  local p = c(x / 10, y / 10)
  while k < 50 and z:abs() <= 2 do z = z * z + p k = k + 1 end
  if k == 50 then inside = inside + 1 end
end end
print("mandelbrot points inside:", inside)
