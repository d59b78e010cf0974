-- A text formatter: word wrapping, justification, centering, and word statistics
local text = [[Lua is a powerful, efficient, lightweight, embeddable scripting language. It supports
procedural programming, object-oriented programming, functional programming, data-driven
programming, and data description. Lua combines simple procedural syntax with powerful data
description constructs based on associative arrays and extensible semantics.]]

local function words(s) local w = {} for x in s:gmatch("%S+") do w[#w + 1] = x end return w end

local function wrap(ws, width)
  local lines, cur = {}, {}
  local len = 0
  for _, w in ipairs(ws) do
    if len > 0 and len + 1 + #w > width then
      lines[#lines + 1] = cur cur = {} len = 0
    end
    cur[#cur + 1] = w
    len = len + (len > 0 and 1 or 0) + #w
  end
  if #cur > 0 then lines[#lines + 1] = cur end
  return lines
end

local function justify(line, width)
  if #line == 1 then return line[1] end
  local chars = 0
  for _, w in ipairs(line) do chars = chars + #w end
  local gaps = #line - 1
  local spaces = width - chars
  local out = {}
  for i, w in ipairs(line) do
    out[#out + 1] = w
    if i <= gaps then
      local n = spaces // gaps + (i <= spaces % gaps and 1 or 0)
      out[#out + 1] = string.rep(" ", n)
    end
  end
  return table.concat(out)
end

local ws = words(text)
local lines = wrap(ws, 40)
print(("-"):rep(40))
for i, l in ipairs(lines) do
  if i < #lines then print(justify(l, 40)) else print(table.concat(l, " ")) end
end
print(("-"):rep(40))
for _, l in ipairs(wrap(ws, 28)) do
  local s = table.concat(l, " ")
  local pad = (30 - #s) // 2
  print("|" .. (" "):rep(pad) .. s .. (" "):rep(30 - #s - pad) .. "|")
end
local freq = {}
for w in text:lower():gmatch("%a+") do freq[w] = (freq[w] or 0) + 1 end
local list = {}
for w, n in pairs(freq) do list[#list + 1] = {w = w, n = n} end
table.sort(list, function(a, b) if a.n ~= b.n then return a.n > b.n end return a.w < b.w end)
for i = 1, 6 do print(string.format("%-12s %3d %s", list[i].w, list[i].n, ("*"):rep(list[i].n))) end
print(#ws, #list)
