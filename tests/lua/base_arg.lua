-- the arg table and the main chunk's varargs
print(type(arg), arg[0], #arg, arg[1], select("#", ...))
print(type(arg[-1]))
