-- values passed through resume/yield in both directions, including nils and many values
local co = coroutine.create(function(...)
  print("args", select("#", ...), ...)
  local r = table.pack(coroutine.yield(nil, nil))
  print("resumed with", r.n, table.unpack(r, 1, r.n))
  local many = {}
  for i = 1, 100 do many[i] = i end
  coroutine.yield(table.unpack(many))
  return
end)
print(coroutine.resume(co, 1, nil, 3, nil))
print(coroutine.resume(co, nil, "x", nil))
local res = table.pack(coroutine.resume(co))
print(res.n, res[1], res[101])
print(coroutine.resume(co))
print(coroutine.status(co))
