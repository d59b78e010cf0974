-- A deque with two indices and a singly linked list with iterators
local Deque = {}
Deque.__index = Deque
function Deque.new() return setmetatable({first = 0, last = -1}, Deque) end
function Deque:push_front(v) self.first = self.first - 1 self[self.first] = v end
function Deque:push_back(v) self.last = self.last + 1 self[self.last] = v end
function Deque:pop_front() if self.first > self.last then return nil end local v = self[self.first] self[self.first] = nil self.first = self.first + 1 return v end
function Deque:pop_back() if self.first > self.last then return nil end local v = self[self.last] self[self.last] = nil self.last = self.last - 1 return v end
function Deque:size() return self.last - self.first + 1 end
local d = Deque.new()
for i = 1, 5 do d:push_back(i) d:push_front(-i) end
print(d:size(), d:pop_front(), d:pop_back(), d:pop_front(), d:size())
local drained = {}
while d:size() > 0 do drained[#drained + 1] = d:pop_back() end
print(table.concat(drained, " "), d:pop_front(), d:pop_back())
for i = 1, 100000 do d:push_back(i) d:pop_front() end
print(d.first, d.last, d:size())
local List = {}
List.__index = List
function List.from(t) local l = setmetatable({head = nil, n = 0}, List) for i = #t, 1, -1 do l.head = {v = t[i], next = l.head} l.n = l.n + 1 end return l end
function List:iter() local node = self.head return function() if node then local v = node.v node = node.next return v end end end
function List:reverse() local prev, node = nil, self.head while node do node.next, prev, node = prev, node, node.next end self.head = prev return self end
function List:map(f) local t = {} for v in self:iter() do t[#t + 1] = f(v) end return List.from(t) end
List.__tostring = function(l) local t = {} for v in l:iter() do t[#t + 1] = tostring(v) end return "(" .. table.concat(t, " ") .. ")" end
List.__len = function(l) return l.n end
local l = List.from({1, 2, 3, 4, 5})
print(tostring(l), #l, tostring(l:map(function(x) return x * x end)), tostring(l:reverse()))
