-- A tiny expression language: tokenizer, recursive-descent parser, and tree-walking evaluator
local function tokenize(src)
  local toks, i = {}, 1
  while i <= #src do
    local c = src:sub(i, i)
    if c:match("%s") then i = i + 1
    elseif c:match("%d") then
      local num = src:match("^%d+%.?%d*", i)
      toks[#toks + 1] = {k = "num", v = tonumber(num)}
      i = i + #num
    elseif c:match("[%a_]") then
      local id = src:match("^[%w_]+", i)
      toks[#toks + 1] = {k = (id == "let" or id == "in" or id == "if" or id == "then" or id == "else" or id == "fn") and id or "id", v = id}
      i = i + #id
    elseif src:sub(i, i + 1) == "==" or src:sub(i, i + 1) == "->" then
      toks[#toks + 1] = {k = src:sub(i, i + 1)} i = i + 2
    else toks[#toks + 1] = {k = c} i = i + 1 end
  end
  toks[#toks + 1] = {k = "eof"}
  return toks
end

local function parse(src)
  local toks, p = tokenize(src), 1
  local function peek() return toks[p].k end
  local function take(k)
    local t = toks[p]
    if k and t.k ~= k then error("expected " .. k .. " but got " .. t.k, 0) end
    p = p + 1
    return t
  end
  local expr
  local function atom()
    local k = peek()
    if k == "num" then return {"num", take().v}
    elseif k == "id" then
      local node = {"var", take().v}
      while peek() == "(" do take("(") local arg = expr() take(")") node = {"call", node, arg} end
      return node
    elseif k == "(" then take("(") local e = expr() take(")") return e
    elseif k == "-" then take() return {"neg", atom()}
    end
    error("unexpected " .. k, 0)
  end
  local prec = {["=="] = 1, ["<"] = 1, ["+"] = 2, ["-"] = 2, ["*"] = 3, ["/"] = 3, ["%"] = 3}
  local function binary(minp)
    local lhs = atom()
    while prec[peek()] and prec[peek()] >= minp do
      local op = take().k
      lhs = {"bin", op, lhs, binary(prec[op] + 1)}
    end
    return lhs
  end
  function expr()
    local k = peek()
    if k == "let" then
      take() local name = take("id").v take("=") local v = expr() take("in")
      return {"let", name, v, expr()}
    elseif k == "if" then
      take() local c = expr() take("then") local a = expr() take("else")
      return {"if", c, a, expr()}
    elseif k == "fn" then
      take() local param = take("id").v take("->")
      return {"fn", param, expr()}
    end
    return binary(1)
  end
  local e = expr()
  take("eof")
  return e
end

local function eval(node, env)
  local tag = node[1]
  if tag == "num" then return node[2]
  elseif tag == "var" then
    local v = env[node[2]]
    if v == nil then error("unbound variable " .. node[2], 0) end
    return v
  elseif tag == "neg" then return -eval(node[2], env)
  elseif tag == "bin" then
    local a, b = eval(node[3], env), eval(node[4], env)
    local op = node[2]
    if op == "+" then return a + b elseif op == "-" then return a - b
    elseif op == "*" then return a * b elseif op == "/" then return a // b
    elseif op == "%" then return a % b elseif op == "<" then return a < b and 1 or 0
    else return a == b and 1 or 0 end
  elseif tag == "let" then
    local inner = setmetatable({}, {__index = env})
    inner[node[2]] = eval(node[3], inner)
    return eval(node[4], inner)
  elseif tag == "if" then
    if eval(node[2], env) ~= 0 then return eval(node[3], env) end
    return eval(node[4], env)
  elseif tag == "fn" then
    return function(arg) local e = setmetatable({[node[2]] = arg}, {__index = env}) return eval(node[3], e) end
  elseif tag == "call" then
    return eval(node[2], env)(eval(node[3], env))
  end
end

local programs = {
  "1 + 2 * 3",
  "(1 + 2) * 3",
  "let x = 5 in x * x - 1",
  "let sq = fn n -> n * n in sq(7) + sq(2)",
  "let fact = fn n -> if n < 2 then 1 else n * fact(n - 1) in fact(20)",
  "let fib = fn n -> if n < 2 then n else fib(n - 1) + fib(n - 2) in fib(20)",
  "let add = fn a -> fn b -> a + b in add(3)(4)",
  "17 % 5 == 2",
  "-3 * -(2 + 1)",
  "let x = 1 in y",
  "1 +",
  "10 / 0",
}
for _, src in ipairs(programs) do
  local ok, res = pcall(function() return eval(parse(src), {}) end)
  print(src, "=>", ok and res or ("error: " .. tostring(res)))
end
