-- a module that returns nothing: require gives true
local _ = 1
