-- an uncaught error whose message has several lines (require listing the paths it tried)
package.path = "./nowhere/?.lua"
package.cpath = "./nowhere/?.so"
require("no_such_module_anywhere")
