-- Conway's game of life on a small torus: a glider and a blinker
local W, H = 12, 8
local function new() local g = {} for y = 1, H do g[y] = {} for x = 1, W do g[y][x] = 0 end end return g end
local g = new()
for _, p in ipairs({{2, 1}, {3, 2}, {1, 3}, {2, 3}, {3, 3}}) do g[p[2]][p[1]] = 1 end
for x = 8, 10 do g[6][x] = 1 end
local function step(g)
  local n = new()
  for y = 1, H do
    for x = 1, W do
      local c = 0
      for dy = -1, 1 do for dx = -1, 1 do
        if dx ~= 0 or dy ~= 0 then c = c + g[(y + dy - 1) % H + 1][(x + dx - 1) % W + 1] end
      end end
      n[y][x] = (c == 3 or (c == 2 and g[y][x] == 1)) and 1 or 0
    end
  end
  return n
end
local function show(g, gen)
  print("generation " .. gen)
  for y = 1, H do
    local row = {}
    for x = 1, W do row[x] = g[y][x] == 1 and "#" or "." end
    print(table.concat(row))
  end
end
show(g, 0)
for i = 1, 4 do g = step(g) end
show(g, 4)
for i = 5, 48 do g = step(g) end
local alive = 0
for y = 1, H do for x = 1, W do alive = alive + g[y][x] end end
print("alive after 48:", alive)
