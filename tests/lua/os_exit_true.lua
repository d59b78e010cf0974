-- os.exit(true) exits with status 0, os.exit(false) with 1
print("exiting with false")
os.exit(false)
