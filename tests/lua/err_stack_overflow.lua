-- stack overflow is a catchable error
local function rec(n) return 1 + rec(n + 1) end
local ok, e = pcall(rec, 1)
print(ok, (string.gsub(e, "^.-:%d+: ", "")))
-- infinite recursion through a metamethod
local t = setmetatable({}, {})
getmetatable(t).__index = function(s, k) return s[k] end
local ok2, e2 = pcall(function() return t.x end)
print(ok2, (e2:gsub("^.-:%d+: ", "")))
-- recursion through pcall (C stack)
local function pc(n) return pcall(pc, n + 1) end
local res = table.pack(pc(1))
print(res.n > 150, res[res.n])
-- deep but finite recursion works
local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
print(depth(50000))
-- the VM is fine afterwards
-- a function with a big frame overflows after fewer calls
local function fat(n)
  local l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10, l11, l12, l13, l14, l15, l16, l17, l18, l19, l20, l21, l22, l23, l24, l25, l26, l27, l28, l29, l30, l31, l32, l33, l34, l35, l36, l37, l38, l39, l40, l41, l42, l43, l44, l45, l46, l47, l48, l49, l50, l51, l52, l53, l54, l55, l56, l57, l58, l59, l60, l61, l62, l63, l64, l65, l66, l67, l68, l69, l70, l71, l72, l73, l74, l75, l76, l77, l78, l79, l80, l81, l82, l83, l84, l85, l86, l87, l88, l89, l90, l91, l92, l93, l94, l95, l96, l97, l98, l99, l100, l101, l102, l103, l104, l105, l106, l107, l108, l109, l110, l111, l112, l113, l114, l115, l116, l117, l118, l119, l120, l121, l122, l123, l124, l125, l126, l127, l128, l129, l130, l131, l132, l133, l134, l135, l136, l137, l138, l139, l140, l141, l142, l143, l144, l145, l146, l147, l148, l149
  return 1 + fat(n + 1)
end
local ok3, e3 = pcall(fat, 1)
print("recovered", ok3, (e3:gsub("^.-:%d+: ", "")))
