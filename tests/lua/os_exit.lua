-- os.exit with a status code; output is flushed
io.write("flushed before exit\n")
io.stdout:write("no newline at end")
os.exit(3)
print("not reached")
