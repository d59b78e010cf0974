-- String algorithms: Levenshtein distance, longest common subsequence, roman numerals, palindromes, caesar
local function lev(a, b)
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = {[0] = i}
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end
print(lev("kitten", "sitting"), lev("", "abc"), lev("flaw", "lawn"), lev("same", "same"))
local function lcs(a, b)
  local t = {}
  for i = 0, #a do t[i] = {} for j = 0, #b do t[i][j] = 0 end end
  for i = 1, #a do for j = 1, #b do
    if a:sub(i, i) == b:sub(j, j) then t[i][j] = t[i - 1][j - 1] + 1 else t[i][j] = math.max(t[i - 1][j], t[i][j - 1]) end
  end end
  local out, i, j = {}, #a, #b
  while i > 0 and j > 0 do
    if a:sub(i, i) == b:sub(j, j) then table.insert(out, 1, a:sub(i, i)) i, j = i - 1, j - 1
    elseif t[i - 1][j] >= t[i][j - 1] then i = i - 1 else j = j - 1 end
  end
  return table.concat(out)
end
print(lcs("AGGTAB", "GXTXAYB"), lcs("ABCBDAB", "BDCABA"))
local numerals = {{1000, "M"}, {900, "CM"}, {500, "D"}, {400, "CD"}, {100, "C"}, {90, "XC"}, {50, "L"}, {40, "XL"}, {10, "X"}, {9, "IX"}, {5, "V"}, {4, "IV"}, {1, "I"}}
local function roman(n) local out = {} for _, p in ipairs(numerals) do while n >= p[1] do out[#out + 1] = p[2] n = n - p[1] end end return table.concat(out) end
local function unroman(s)
  local v = {I = 1, V = 5, X = 10, L = 50, C = 100, D = 500, M = 1000}
  local total = 0
  for i = 1, #s do local c, nx = v[s:sub(i, i)], v[s:sub(i + 1, i + 1)] if nx and nx > c then total = total - c else total = total + c end end
  return total
end
local ok = true
for n = 1, 3999 do if unroman(roman(n)) ~= n then ok = false end end
print(roman(1994), roman(2024), roman(3999), unroman("MCMXCIV"), ok)
local function palindrome(s) s = s:lower():gsub("[^%a]", "") return s == s:reverse() end
print(palindrome("A man, a plan, a canal: Panama"), palindrome("hello"))
local function caesar(s, k) return (s:gsub("%a", function(c) local base = c:match("%l") and 97 or 65 return string.char((c:byte() - base + k) % 26 + base) end)) end
print(caesar("Hello, World!", 3), caesar(caesar("Hello, World!", 3), -3))
