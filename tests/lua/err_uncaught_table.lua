-- uncaught error with a table value and no __tostring
print("start")
error({code = 1})
