-- Sorting algorithms implemented in Lua agree with table.sort
local function lcg(seed) return function() seed = (seed * 6364136223846793005 + 1442695040888963407) return (seed >> 33) % 1000 end end
local function data(n) local r, t = lcg(n), {} for i = 1, n do t[i] = r() end return t end
local function copy(t) return {table.unpack(t)} end
local function insertion(t)
  for i = 2, #t do local v, j = t[i], i - 1 while j >= 1 and t[j] > v do t[j + 1] = t[j] j = j - 1 end t[j + 1] = v end
  return t
end
local function merge_sort(t)
  if #t <= 1 then return t end
  local mid = #t // 2
  local a, b = merge_sort({table.unpack(t, 1, mid)}), merge_sort({table.unpack(t, mid + 1)})
  local r, i, j = {}, 1, 1
  while i <= #a and j <= #b do if a[i] <= b[j] then r[#r + 1] = a[i] i = i + 1 else r[#r + 1] = b[j] j = j + 1 end end
  for k = i, #a do r[#r + 1] = a[k] end
  for k = j, #b do r[#r + 1] = b[k] end
  return r
end
local function quick(t, lo, hi)
  lo, hi = lo or 1, hi or #t
  if lo >= hi then return t end
  local p, i = t[(lo + hi) // 2], lo
  local j = hi
  while i <= j do
    while t[i] < p do i = i + 1 end
    while t[j] > p do j = j - 1 end
    if i <= j then t[i], t[j] = t[j], t[i] i, j = i + 1, j - 1 end
  end
  quick(t, lo, j) quick(t, i, hi)
  return t
end
local function heap(t)
  local n = #t
  local function sift(i, m)
    while true do
      local l, big = 2 * i, i
      if l <= m and t[l] > t[big] then big = l end
      if l + 1 <= m and t[l + 1] > t[big] then big = l + 1 end
      if big == i then return end
      t[i], t[big] = t[big], t[i] i = big
    end
  end
  for i = n // 2, 1, -1 do sift(i, n) end
  for m = n, 2, -1 do t[1], t[m] = t[m], t[1] sift(1, m - 1) end
  return t
end
local function counting(t) local c = {} for _, v in ipairs(t) do c[v] = (c[v] or 0) + 1 end local r = {} for v = 0, 999 do for _ = 1, c[v] or 0 do r[#r + 1] = v end end return r end
for _, n in ipairs({0, 1, 2, 10, 500}) do
  local d = data(n)
  local ref = copy(d) table.sort(ref)
  local refs = table.concat(ref, ",")
  print(n, table.concat(insertion(copy(d)), ",") == refs, table.concat(merge_sort(copy(d)), ",") == refs,
    table.concat(quick(copy(d)), ",") == refs, table.concat(heap(copy(d)), ",") == refs, table.concat(counting(d), ",") == refs)
end
print(table.concat(quick(data(15)), " "))
