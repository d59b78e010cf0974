-- calling an undefined global function, uncaught, from inside nested calls
local function a() return undefined_function(1) end
local function b() return (a()) end
b()
