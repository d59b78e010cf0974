-- an uncaught error runs pending __close handlers before the program ends
do
  local r <close> = setmetatable({}, {__close = function(_, e) print("closing with:", (tostring(e):match("^[^\n]*"))) end})
  error("fatal", 0)
end
