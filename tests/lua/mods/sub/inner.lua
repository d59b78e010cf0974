-- helper module loaded as "sub.inner"
return {value = "inner module, loaded as " .. select(1, ...)}
