-- Sieve of Eratosthenes, prime factorization, gcd/lcm, perfect numbers
local function sieve(n)
  local composite, primes = {}, {}
  for i = 2, n do
    if not composite[i] then
      primes[#primes + 1] = i
      for j = i * i, n, i do composite[j] = true end
    end
  end
  return primes
end
local p = sieve(10000)
print(#p, p[1], p[100], p[#p])
local function factor(n)
  local f = {}
  for _, q in ipairs(p) do
    if q * q > n then break end
    while n % q == 0 do f[#f + 1] = q n = n // q end
  end
  if n > 1 then f[#f + 1] = n end
  return table.concat(f, "*")
end
for _, n in ipairs({360, 97, 1001, 65536, 999983, 600851475143}) do print(n, factor(n)) end
local function gcd(a, b) while b ~= 0 do a, b = b, a % b end return a end
print(gcd(1071, 462), gcd(2^40 | 0, 6^10 | 0), 12 * 18 // gcd(12, 18))
local perfect = {}
for n = 2, 10000 do
  local s = 1
  for d = 2, math.floor(math.sqrt(n)) do
    if n % d == 0 then s = s + d if d ~= n // d then s = s + n // d end end
  end
  if s == n then perfect[#perfect + 1] = n end
end
print(table.concat(perfect, " "))
