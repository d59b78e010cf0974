-- Graph algorithms: BFS shortest path on a grid maze, topological sort, union-find components
local maze = {
  "##########",
  "#S.....#.#",
  "#.##.#.#.#",
  "#.#..#...#",
  "#.#.####.#",
  "#...#...E#",
  "##########",
}
local grid, start, goal = {}, nil, nil
for y, row in ipairs(maze) do
  grid[y] = {}
  for x = 1, #row do
    local c = row:sub(x, x)
    grid[y][x] = c
    if c == "S" then start = {x, y} elseif c == "E" then goal = {x, y} end
  end
end
local function bfs()
  local q, head = {{start[1], start[2]}}, 1
  local prev = {[start[2] * 100 + start[1]] = false}
  while head <= #q do
    local x, y = q[head][1], q[head][2]
    head = head + 1
    if x == goal[1] and y == goal[2] then break end
    for _, d in ipairs({{1, 0}, {-1, 0}, {0, 1}, {0, -1}}) do
      local nx, ny = x + d[1], y + d[2]
      local key = ny * 100 + nx
      if grid[ny][nx] ~= "#" and prev[key] == nil then prev[key] = y * 100 + x q[#q + 1] = {nx, ny} end
    end
  end
  local len, k = 0, goal[2] * 100 + goal[1]
  while prev[k] do
    local px, py = prev[k] % 100, prev[k] // 100
    if grid[py][px] == "." then grid[py][px] = "*" end
    k = prev[k] len = len + 1
  end
  return len
end
print("path length", bfs())
for y = 1, #grid do print(table.concat(grid[y])) end
local deps = {app = {"lib", "util"}, lib = {"core"}, util = {"core"}, core = {}, test = {"app"}}
local order, state = {}, {}
local function visit(n)
  if state[n] == "done" then return end
  if state[n] == "busy" then error("cycle at " .. n) end
  state[n] = "busy"
  local ds = {table.unpack(deps[n])}
  table.sort(ds)
  for _, d in ipairs(ds) do visit(d) end
  state[n] = "done"
  order[#order + 1] = n
end
local names = {}
for k in pairs(deps) do names[#names + 1] = k end
table.sort(names)
for _, n in ipairs(names) do visit(n) end
print(table.concat(order, " "))
deps.core = {"test"}
state, order = {}, {}
print(pcall(visit, "test"))
local parent = {}
local function find(x) while parent[x] ~= x do parent[x] = parent[parent[x]] x = parent[x] end return x end
for i = 1, 20 do parent[i] = i end
for _, e in ipairs({{1, 2}, {3, 4}, {2, 3}, {5, 6}, {7, 8}, {8, 9}, {10, 11}, {12, 13}, {13, 14}, {14, 12}, {1, 4}}) do
  parent[find(e[1])] = find(e[2])
end
local comps = {}
for i = 1, 20 do comps[find(i)] = (comps[find(i)] or 0) + 1 end
local sizes = {}
for _, s in pairs(comps) do sizes[#sizes + 1] = s end
table.sort(sizes, function(a, b) return a > b end)
print(#sizes, table.concat(sizes, " "))
