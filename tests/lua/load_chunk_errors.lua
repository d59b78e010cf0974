-- runtime errors carry the chunk name in the form lua gives it
local function run(src, name)
  local f, err = load(src, name)
  if not f then return "compile: " .. err end
  local ok, e = pcall(f)
  return "run: " .. tostring(e)
end
print(run("local x = nil\nreturn x.y", "=short"))
print(run("return nil + 1", "@some/path/file.lua"))
print(run("error('boom')", "plain source"))
print(run("\n\nerror('line 3')"))
print(run("error('multi\\nline')", "line1\nline2"))
print(run("return 1 +", "=broken"))
print(run(("x = 1\n"):rep(5) .. "return undefinedfn()", "=lines"))
print(run("local t = setmetatable({}, {__index = function() error('in index') end}) return t.x", "=meta"))
