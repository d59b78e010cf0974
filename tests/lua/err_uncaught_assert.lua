-- a failed assert with a message, uncaught
local value = 3
assert(value > 5, "value must be greater than 5")
