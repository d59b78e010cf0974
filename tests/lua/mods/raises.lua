-- a module that raises at load time
error("module raised an error")
