-- A CSV parser with quoted fields and a template engine with ${expr} substitution
local function parse_csv_line(line)
  local fields, pos = {}, 1
  while true do
    if line:sub(pos, pos) == '"' then
      local buf, i = {}, pos + 1
      while true do
        local c = line:sub(i, i)
        if c == "" then error("unterminated quoted field") end
        if c == '"' then
          if line:sub(i + 1, i + 1) == '"' then buf[#buf + 1] = '"' i = i + 2 else i = i + 1 break end
        else buf[#buf + 1] = c i = i + 1 end
      end
      fields[#fields + 1] = table.concat(buf)
      pos = i
    else
      local e = line:find(",", pos, true) or #line + 1
      fields[#fields + 1] = line:sub(pos, e - 1)
      pos = e
    end
    if line:sub(pos, pos) == "," then pos = pos + 1 else break end
  end
  return fields
end
local csv = [[name,qty,price,note
apple,3,0.5,"fresh, red"
"banana ""split""",12,0.25,
cherry,100,0.1,"a ""quoted"" word"]]
local rows = {}
for line in csv:gmatch("[^\n]+") do rows[#rows + 1] = parse_csv_line(line) end
local header = table.remove(rows, 1)
print(table.concat(header, "|"))
local total = 0
for _, r in ipairs(rows) do
  print(#r, table.concat(r, "|"))
  total = total + tonumber(r[2]) * tonumber(r[3])
end
print("total", total)
print(pcall(parse_csv_line, '"open'))
local function render(tpl, env)
  return (tpl:gsub("%${(.-)}", function(expr)
    local f, err = load("return " .. expr, "=template", "t", env)
    if not f then return "<" .. err .. ">" end
    local ok, v = pcall(f)
    return ok and tostring(v) or "<error: " .. v .. ">"
  end))
end
local env = {name = "World", items = {"a", "b", "c"}, n = 7, math = math, table = table}
print(render("Hello, ${name}! ${#items} items: ${table.concat(items, '+')}; n^2 = ${n * n}; max = ${math.max(n, 10)}", env))
print(render("bad: ${1 +} and ${nope.x}", env))
