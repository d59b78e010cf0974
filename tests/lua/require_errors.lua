-- require failures: not found lists every path tried, syntax and runtime errors in modules
package.path = "./mods/?.lua;./mods/?/init.lua"
package.cpath = ""
local ok, e = pcall(require, "missing_module")
print(ok)
print(e)
ok, e = pcall(require, "broken")
print(ok, e)
ok, e = pcall(require, "raises")
print(ok, e)
print(package.loaded.raises)
print(pcall(require))
