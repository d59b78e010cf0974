-- long brackets: levels, embedded newlines, CR/LF normalization
local s = [==[
a]]b]=]c
d]==]
print(s, #s)
print([[]], #[[
]], [=[]]]=])
print(#load("return [[\r\nx\r\ny]]")(), load("return [[\r\nx\r\ny]]")():byte(1, -1))
print(#load("return [[a\n\rb]]")(), #load("return 'a\\\r\nb'")(), load("return 'a\\\r\nb'")():byte(1, -1))
print(load("return [[\n\nx]]")():byte(1, -1))
local lvl = "[" .. ("="):rep(10) .. "[ten]" .. ("="):rep(10) .. "]"
print(load("return " .. lvl)())
print(load("return [=[ unclosed ]]"))
print(load("return [= ["))
