-- uncaught error with a number value and level 0
error(42)
