-- select with negative indices and large counts
local function s(...) return select(...) end
print(s(-1, "a", "b", "c"))
print(s(-2, "a", "b", "c"))
print(s(1, "a", "b", "c"))
print(s(3, "a", "b", "c"))
print(s(4, "a", "b", "c"))
print(s("#", nil, nil))
print(pcall(select, "x"))
print(pcall(select, 1.5, "a"))
print(select(2.0, "a", "b"))
print(select("#", table.unpack({}, 1, 250)))
