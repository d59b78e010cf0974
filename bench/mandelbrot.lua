-- mandelbrot: float loops; counts points of the Mandelbrot set on an N x N grid (default 800).
local n = tonumber(arg and arg[1]) or 800
local iter = 50
local count, checksum = 0, 0
for y = 0, n - 1 do
  local ci = 2.0 * y / n - 1.0
  for x = 0, n - 1 do
    local cr = 2.0 * x / n - 1.5
    local zr, zi, k = 0.0, 0.0, 0
    while k < iter do
      local zr2, zi2 = zr * zr, zi * zi
      if zr2 + zi2 > 4.0 then break end
      zi = 2.0 * zr * zi + ci
      zr = zr2 - zi2 + cr
      k = k + 1
    end
    if k == iter then count = count + 1 end
    checksum = (checksum + k * (x + 1)) % 1000000007
  end
end
print(count, checksum)
