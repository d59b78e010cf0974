-- Matrices with metatables: multiplication, transpose, determinant, identity, power
local M = {}
M.__index = M
local function mat(rows) return setmetatable(rows, M) end
function M.identity(n) local r = {} for i = 1, n do r[i] = {} for j = 1, n do r[i][j] = i == j and 1 or 0 end end return mat(r) end
function M.__mul(a, b)
  if type(b) == "number" then a, b = b, a end
  if type(a) == "number" then
    local r = {} for i = 1, #b do r[i] = {} for j = 1, #b[1] do r[i][j] = a * b[i][j] end end return mat(r)
  end
  assert(#a[1] == #b, "dimension mismatch")
  local r = {}
  for i = 1, #a do
    r[i] = {}
    for j = 1, #b[1] do
      local s = 0
      for k = 1, #b do s = s + a[i][k] * b[k][j] end
      r[i][j] = s
    end
  end
  return mat(r)
end
function M.__add(a, b) local r = {} for i = 1, #a do r[i] = {} for j = 1, #a[1] do r[i][j] = a[i][j] + b[i][j] end end return mat(r) end
function M.__eq(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do for j = 1, #a[1] do if a[i][j] ~= b[i][j] then return false end end end
  return true
end
function M.__pow(a, n) local r = M.identity(#a) for _ = 1, n do r = r * a end return r end
function M:transpose() local r = {} for j = 1, #self[1] do r[j] = {} for i = 1, #self do r[j][i] = self[i][j] end end return mat(r) end
function M:det()
  local n = #self
  if n == 1 then return self[1][1] end
  local d = 0
  for j = 1, n do
    local minor = {}
    for i = 2, n do local row = {} for k = 1, n do if k ~= j then row[#row + 1] = self[i][k] end end minor[#minor + 1] = row end
    d = d + (-1) ^ (j + 1) * self[1][j] * mat(minor):det()
  end
  return d
end
function M.__tostring(a)
  local rows = {}
  for i = 1, #a do local r = {} for j = 1, #a[1] do r[j] = string.format("%6s", tostring(a[i][j])) end rows[i] = table.concat(r) end
  return table.concat(rows, "\n")
end
local A = mat({{1, 2}, {3, 4}})
local B = mat({{0, 1}, {1, 0}})
print(tostring(A * B))
print(tostring(A + B))
print(tostring(2 * A))
print(tostring(A:transpose()))
print(A:det(), mat({{2, 0, 1}, {1, 3, 2}, {1, 1, 1}}):det())
local F = mat({{1, 1}, {1, 0}})
print(tostring(F ^ 30))
print(A * M.identity(2) == A, A == B)
print(pcall(function() return A * mat({{1, 2, 3}}) end))
