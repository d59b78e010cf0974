-- debug.getinfo fields
local function sample(a, b, ...)
  local info = debug.getinfo(1, "nSlutf")
  return info
end
local i = sample(1, 2)
print(i.source, i.short_src, i.what, i.linedefined, i.lastlinedefined, i.currentline)
print(i.nups, i.nparams, i.isvararg, i.name, i.namewhat, i.istailcall, i.func == sample)
local p = debug.getinfo(print)
print(p.what, p.short_src, p.source, p.currentline, p.linedefined, p.nparams, p.isvararg)
local m = debug.getinfo(1, "S")
print(m.what, m.linedefined)
local function caller() return debug.getinfo(2, "l").currentline end
print(caller())
local lines = debug.getinfo(sample, "L").activelines
local ks = {}
for k in pairs(lines) do ks[#ks + 1] = k end
table.sort(ks)
print(table.concat(ks, ","))
print(debug.getinfo(100))
print(pcall(debug.getinfo, 1, ">"))
local function tail() return debug.getinfo(1, "t").istailcall end
local function calltail() return tail() end
print(calltail())
local obj = {}
function obj.method() return debug.getinfo(1, "n") end
local n = obj.method()
print(n.name, n.namewhat)
local up = 1
local function withups() return up end
print(debug.getinfo(withups, "u").nups)
local fi = load("return debug.getinfo(1, 'S')", "=custom")()
print(fi.source, fi.short_src, fi.what)
