-- call syntax: string and table arguments, method calls, chained calls, parenthesized truncation
local function id(...) return ... end
print(id"str", id[[long]], #id{1, 2, 3})
local s = "hello"
print(s:upper(), ("x"):rep(3), #s:rep(2))
local function multi() return 1, 2, 3 end
print(multi())
print((multi()))
print(multi(), 10)
print(#{multi()}, #{multi(), multi()}, #{(multi())})
local obj = {n = 0}
function obj:inc() self.n = self.n + 1 return self end
obj:inc():inc():inc()
print(obj.n)
local f = function() return function(x) return x * 2 end end
print(f()(21))
local t = {fn = {deep = function(...) return select("#", ...) end}}
print(t.fn.deep(nil, nil, nil), t["fn"]["deep"]())
