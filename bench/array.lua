-- array: integer-indexed table traffic in the array part (fill, prefix sums, sieve, reverse). Argument: rounds (default 30).
local rounds = tonumber(arg and arg[1]) or 30
local N = 200000
local checksum = 0
for r = 1, rounds do
  local a = {}
  for i = 1, N do a[i] = (i * r) % 1009 end
  for i = 2, N do a[i] = (a[i] + a[i - 1]) % 1000003 end
  local sieve = {}
  for i = 1, N do sieve[i] = true end
  for i = 2, 447 do if sieve[i] then for j = i * i, N, i do sieve[j] = false end end end
  local primes = 0
  for i = 2, N do if sieve[i] then primes = primes + 1 end end
  local i, j = 1, N
  while i < j do a[i], a[j] = a[j], a[i] i = i + 1 j = j - 1 end
  checksum = (checksum + a[1] + a[100000] + primes + #a) % 1000000007
end
print(checksum)
