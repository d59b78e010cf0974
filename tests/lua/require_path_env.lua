-- package.path default contains ./?.lua; searchpath with custom separators
print(package.path:find("./?.lua", 1, true) ~= nil)
print(package.searchpath("mods.counter", "./?.lua"))
print(package.searchpath("mods_counter", "./?.lua", "_", "/"))
print(package.searchpath("a.b", "x/?.lua;y/?.so"))
package.path = "./mods/?.lua"
print(require("counter").name)
