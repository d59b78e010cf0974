-- uncaught arithmetic on a nil field
local config = {width = 10}
print("area:", config.width * config.height)
