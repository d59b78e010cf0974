-- An LRU cache (hash + doubly linked list) and memoization with a weak table
local LRU = {}
LRU.__index = LRU
function LRU.new(cap)
  local head, tail = {}, {}
  head.next, tail.prev = tail, head
  return setmetatable({cap = cap, size = 0, map = {}, head = head, tail = tail, hits = 0, misses = 0}, LRU)
end
local function unlink(n) n.prev.next, n.next.prev = n.next, n.prev end
function LRU:_front(n) n.next, n.prev = self.head.next, self.head self.head.next.prev = n self.head.next = n end
function LRU:get(k)
  local n = self.map[k]
  if not n then self.misses = self.misses + 1 return nil end
  self.hits = self.hits + 1
  unlink(n) self:_front(n)
  return n.v
end
function LRU:put(k, v)
  local n = self.map[k]
  if n then n.v = v unlink(n) self:_front(n) return end
  if self.size == self.cap then
    local old = self.tail.prev
    unlink(old) self.map[old.k] = nil self.size = self.size - 1
  end
  n = {k = k, v = v}
  self.map[k] = n self:_front(n) self.size = self.size + 1
end
function LRU:keys()
  local ks, n = {}, self.head.next
  while n ~= self.tail do ks[#ks + 1] = tostring(n.k) n = n.next end
  return table.concat(ks, ",")
end
local c = LRU.new(3)
c:put("a", 1) c:put("b", 2) c:put("c", 3)
print(c:keys(), c:get("a"), c:keys())
c:put("d", 4)
print(c:keys(), c:get("b"), c:get("c"))
for i = 1, 100 do c:put(i % 7, i) c:get((i * 3) % 7) end
print(c:keys(), c.hits, c.misses)
local calls = 0
local function memoize(f)
  local cache = setmetatable({}, {__mode = "k"})
  return function(n) local v = cache[n] if v == nil then v = f(n) cache[n] = v end return v end
end
local slowsq = memoize(function(n) calls = calls + 1 return n * n end)
local sum = 0
for i = 1, 1000 do sum = sum + slowsq(i % 10) end
print(sum, calls)
local fibm
fibm = memoize(function(n) if n < 2 then return n end return fibm(n - 1) + fibm(n - 2) end)
print(fibm(90))
