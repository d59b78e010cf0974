-- Towers of Hanoi (move list and counts), permutations and combinations generators
local moves = {}
local function hanoi(n, from, to, via)
  if n == 0 then return end
  hanoi(n - 1, from, via, to)
  moves[#moves + 1] = from .. to
  hanoi(n - 1, via, to, from)
end
hanoi(4, "A", "C", "B")
print(#moves, table.concat(moves, " "))
moves = {}
hanoi(16, "A", "C", "B")
print(#moves, moves[1], moves[#moves], moves[32768])
local function permutations(list)
  local out = {}
  local function rec(prefix, rest)
    if #rest == 0 then out[#out + 1] = table.concat(prefix) return end
    for i = 1, #rest do
      local p = {table.unpack(prefix)}
      p[#p + 1] = rest[i]
      local r = {table.unpack(rest)}
      table.remove(r, i)
      rec(p, r)
    end
  end
  rec({}, list)
  return out
end
local perms = permutations({"a", "b", "c", "d"})
print(#perms, perms[1], perms[24], table.concat(perms, " ", 1, 6))
local function combinations(n, k)
  local out, cur = {}, {}
  local function rec(start)
    if #cur == k then out[#out + 1] = table.concat(cur, "") return end
    for i = start, n do cur[#cur + 1] = i rec(i + 1) cur[#cur] = nil end
  end
  rec(1)
  return out
end
local c = combinations(6, 3)
print(#c, table.concat(c, " "))
