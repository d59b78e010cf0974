-- string.rep refuses results larger than lstrlib's MAXSIZE (INT_MAX bytes) up front
print(pcall(string.rep, "x", 1e10))
print(pcall(string.rep, "xx", 2^30))
print(pcall(string.rep, "x", 2^31, ","))
print(#string.rep("x", 1000, ","), #string.rep("", 1000))
