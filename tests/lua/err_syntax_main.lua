-- the main script itself has a syntax error: reported before anything runs
print("never printed")
local function f()
  return 1 +
end
