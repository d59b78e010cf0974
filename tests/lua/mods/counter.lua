-- helper module for require_basic.lua
local n = 0
local M = {name = ...}
function M.next() n = n + 1 return n end
return M
