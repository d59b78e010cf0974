-- oop: a class hierarchy via metatables with method calls and inheritance (a particle simulation).
-- Argument: steps (default 800).
local steps = tonumber(arg and arg[1]) or 800
local Entity = {}
Entity.__index = Entity
function Entity.new(x, y) return setmetatable({x = x, y = y, alive = true}, Entity) end
function Entity:move(dx, dy) self.x = self.x + dx self.y = self.y + dy end
function Entity:update() end
function Entity:energy() return 0 end
local Particle = setmetatable({}, {__index = Entity})
Particle.__index = Particle
function Particle.new(x, y, vx, vy) local p = Entity.new(x, y) p.vx, p.vy = vx, vy return setmetatable(p, Particle) end
function Particle:update()
  self:move(self.vx, self.vy)
  if self.x < 0 or self.x > 1000 then self.vx = -self.vx end
  if self.y < 0 or self.y > 1000 then self.vy = -self.vy end
end
function Particle:energy() return math.floor((self.vx * self.vx + self.vy * self.vy) / 2) end
local Heavy = setmetatable({}, {__index = Particle})
Heavy.__index = Heavy
function Heavy.new(x, y, vx, vy, m) local h = Particle.new(x, y, vx, vy) h.m = m return setmetatable(h, Heavy) end
function Heavy:update() Particle.update(self) self.vy = self.vy + 1 end
function Heavy:energy() return Particle.energy(self) * self.m end
local Spinner = setmetatable({}, {__index = Entity})
Spinner.__index = Spinner
function Spinner.new(x, y) local s = Entity.new(x, y) s.angle = 0 return setmetatable(s, Spinner) end
function Spinner:update() self.angle = (self.angle + 7) % 360 self:move(self.angle % 3 - 1, 1 - self.angle % 3) end
function Spinner:energy() return self.angle end
local world = {}
local seed = 42
local function rnd(n) seed = (seed * 16807) % 2147483647 return seed % n end
for i = 1, 3000 do
  local k = i % 3
  if k == 0 then world[i] = Particle.new(rnd(1000), rnd(1000), rnd(11) - 5, rnd(11) - 5)
  elseif k == 1 then world[i] = Heavy.new(rnd(1000), rnd(1000), rnd(7) - 3, rnd(7) - 3, rnd(5) + 1)
  else world[i] = Spinner.new(rnd(1000), rnd(1000)) end
end
local total = 0
for _ = 1, steps do
  for i = 1, #world do world[i]:update() end
  local e = 0
  for i = 1, #world do e = e + world[i]:energy() end
  total = (total + e) % 1000000007
end
print(total)
