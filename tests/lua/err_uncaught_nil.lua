-- uncaught error(nil)
error(nil)
