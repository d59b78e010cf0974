-- An event system with handlers and a vending-machine state machine driven by events
local Emitter = {}
Emitter.__index = Emitter
function Emitter.new() return setmetatable({handlers = {}}, Emitter) end
function Emitter:on(ev, fn) local hs = self.handlers[ev] or {} hs[#hs + 1] = fn self.handlers[ev] = hs return self end
function Emitter:emit(ev, ...)
  local hs = self.handlers[ev]
  if not hs then return 0 end
  for _, h in ipairs(hs) do h(...) end
  return #hs
end
local machine = {state = "idle", credit = 0, log = {}}
local price = {cola = 150, water = 100}
local transitions = {
  idle = {coin = function(m, v) m.credit = m.credit + v return "paying" end},
  paying = {
    coin = function(m, v) m.credit = m.credit + v return "paying" end,
    select = function(m, item)
      local p = price[item]
      if not p then m.log[#m.log + 1] = "unknown " .. item return "paying" end
      if m.credit < p then m.log[#m.log + 1] = "need " .. (p - m.credit) .. " more for " .. item return "paying" end
      m.credit = m.credit - p
      m.log[#m.log + 1] = "vend " .. item
      return m.credit > 0 and "change" or "idle"
    end,
    cancel = function(m) m.log[#m.log + 1] = "refund " .. m.credit m.credit = 0 return "idle" end,
  },
  change = {take = function(m) m.log[#m.log + 1] = "change " .. m.credit m.credit = 0 return "idle" end},
}
local bus = Emitter.new()
local trace = {}
for _, ev in ipairs({"coin", "select", "cancel", "take"}) do
  bus:on(ev, function(arg)
    local t = transitions[machine.state][ev]
    local before = machine.state
    if t then machine.state = t(machine, arg) else machine.log[#machine.log + 1] = "ignored " .. ev .. " in " .. before end
    trace[#trace + 1] = before .. "-" .. ev .. "->" .. machine.state
  end)
end
bus:on("coin", function(v) machine.coins = (machine.coins or 0) + 1 end)
local script = {{"select", "cola"}, {"coin", 100}, {"select", "cola"}, {"coin", 100}, {"select", "cola"}, {"take"},
  {"coin", 100}, {"select", "tea"}, {"select", "water"}, {"coin", 50}, {"cancel"}, {"take"}}
for _, e in ipairs(script) do bus:emit(e[1], e[2]) end
print(table.concat(machine.log, "; "))
print(table.concat(trace, " "))
print(machine.state, machine.credit, machine.coins, bus:emit("nothing"))
