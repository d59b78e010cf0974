-- A Brainfuck interpreter compiled to Lua closures
local function compile(src)
  local code, stack = {}, {}
  for c in src:gmatch("[%+%-<>%.,%[%]]") do
    code[#code + 1] = c
    if c == "[" then stack[#stack + 1] = #code
    elseif c == "]" then
      local open = table.remove(stack)
      if not open then error("unbalanced ]") end
      code[open] = {"[", #code}
      code[#code] = {"]", open}
    end
  end
  if #stack > 0 then error("unbalanced [") end
  return code
end
local function run(src, input)
  local code = compile(src)
  local tape, ptr, pc, out, inp = setmetatable({}, {__index = function() return 0 end}), 1, 1, {}, 1
  local steps = 0
  while pc <= #code do
    local op = code[pc]
    steps = steps + 1
    if op == "+" then tape[ptr] = (tape[ptr] + 1) % 256
    elseif op == "-" then tape[ptr] = (tape[ptr] - 1) % 256
    elseif op == ">" then ptr = ptr + 1
    elseif op == "<" then ptr = ptr - 1
    elseif op == "." then out[#out + 1] = string.char(tape[ptr])
    elseif op == "," then tape[ptr] = input:byte(inp) or 0 inp = inp + 1
    elseif op[1] == "[" then if tape[ptr] == 0 then pc = op[2] end
    elseif op[1] == "]" then if tape[ptr] ~= 0 then pc = op[2] end
    end
    pc = pc + 1
  end
  return table.concat(out), steps
end
print(run("++++++++[>++++[>++>+++>+++>+<<<<-]>+>+>->>+[<]<-]>>.>---.+++++++..+++.>>.<-.<.+++.------.--------.>>+.>++."))
print(run(",[.,]", "echo"))
print(run(",>,<[->+<]>.", "\20\30"):byte())
print(pcall(run, "[[]"))
print(pcall(run, "]"))
