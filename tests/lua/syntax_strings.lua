-- string literals: every escape, long strings, long comments
print("a\tb\\c\"d'e")
print('single \'quoted\'')
print("bell\a|bs\b|ff\f|vt\v|cr-as-byte:", ("\r"):byte(), ("\n"):byte())
print("\65\066\0671", "\x41\x62\x7A", "\u{48}\u{49}", #"\u{7FF}", #"\u{FFFF}", #"\u{10FFFF}", #"\u{7FFFFFFF}")
print("\z
       continued", "a\z  b")
print("line1\
line2")
print(#"\0abc", ("\0x"):byte(1, 2))
print([[long
string]])
print([==[with ]] inside]==])
print([[
first newline skipped]])
--[[ long
comment ]] print("after long comment")
--[==[ another
]] still comment
]==] print("after level-2 comment")
print(load([[return "\q"]]))
print(load([[return "\300"]]))
print(load([[return "\xZZ"]]))
print(load([[return "\u{110000000}"]]))
print(load('return "unfinished'))
print(load('return [[unfinished'))
print(load("x = [==[ abc ]=]"))
