#!/usr/bin/env lua5.4
-- a first line starting with # is skipped by the standalone interpreter
print("shebang skipped") -- trailing comment
--[[ block ]] print("code after a block comment on the same line")
--[=[ level 1
]] still inside
]=]
print("done") --[[ unterminated-looking ]] --
---[[ this is a line comment, so the next line runs
print("triple dash trick")
--]]
print(load("#!shebang in load is an error"))
