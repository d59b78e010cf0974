-- A backtracking Sudoku solver with constraint sets
local puzzle = {
  "53..7....", "6..195...", ".98....6.",
  "8...6...3", "4..8.3..1", "7...2...6",
  ".6....28.", "...419..5", "....8..79",
}
local grid = {}
for r = 1, 9 do grid[r] = {} for c = 1, 9 do local ch = puzzle[r]:sub(c, c) grid[r][c] = ch == "." and 0 or tonumber(ch) end end
local rows, cols, boxes = {}, {}, {}
for i = 1, 9 do rows[i], cols[i], boxes[i] = {}, {}, {} end
local function box(r, c) return ((r - 1) // 3) * 3 + (c - 1) // 3 + 1 end
for r = 1, 9 do for c = 1, 9 do local v = grid[r][c] if v > 0 then rows[r][v], cols[c][v], boxes[box(r, c)][v] = true, true, true end end end
local steps = 0
local function solve(pos)
  if pos > 81 then return true end
  local r, c = (pos - 1) // 9 + 1, (pos - 1) % 9 + 1
  if grid[r][c] ~= 0 then return solve(pos + 1) end
  local b = box(r, c)
  for v = 1, 9 do
    if not rows[r][v] and not cols[c][v] and not boxes[b][v] then
      steps = steps + 1
      grid[r][c], rows[r][v], cols[c][v], boxes[b][v] = v, true, true, true
      if solve(pos + 1) then return true end
      grid[r][c], rows[r][v], cols[c][v], boxes[b][v] = 0, nil, nil, nil
    end
  end
  return false
end
print("solved:", solve(1), "placements tried:", steps)
for r = 1, 9 do print(table.concat(grid[r], " ")) end
