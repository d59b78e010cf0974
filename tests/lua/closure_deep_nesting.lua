-- upvalues captured through many nesting levels
local function level1()
  local a = 1
  return function()
    local b = 2
    return function()
      local c = 3
      return function()
        local d = 4
        return function()
          a, b, c, d = a + 10, b + 10, c + 10, d + 10
          return a + b + c + d
        end
      end
    end
  end
end
local f = level1()()()()
print(f(), f(), f())
-- 200 upvalues in one closure
local src = {}
for i = 1, 200 do src[#src + 1] = "local v" .. i .. " = " .. i end
src[#src + 1] = "return function() return v1 + v100 + v200 end"
print(load(table.concat(src, "\n"))()())
-- too many upvalues is a compile error
local src2 = {}
for i = 1, 256 do src2[#src2 + 1] = "local u" .. i .. " = " .. i end
local body = {}
for i = 1, 256 do body[#body + 1] = "u" .. i end
src2[#src2 + 1] = "return function() return " .. table.concat(body, "+") .. " end"
print(load(table.concat(src2, "\n")))
-- too many locals
local src3 = {}
for i = 1, 201 do src3[#src3 + 1] = "local l" .. i end
print(load(table.concat(src3, "\n")))
