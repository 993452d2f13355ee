/**
 * DynamoDB's condition and update expression languages, as the DynamoDB Developer Guide defines them
 * ("Condition and filter expressions, operators, and functions"; "Using update expressions"), for the
 * fake in fake-dynamodb.ts. A malformed expression is an ExpressionError, answered as DynamoDB answers
 * it: ValidationException with DynamoDB's message where the guide gives one.
 */
export type Av = { S?: string; N?: string; B?: string; BOOL?: boolean; NULL?: boolean; M?: Record<string, Av>; L?: Av[]; SS?: string[]; NS?: string[]; BS?: string[] };
export type Item = Record<string, Av>;
export type Names = Record<string, string>;
export type Values = Record<string, Av>;

export class ExpressionError extends Error {}

type Segment = string | number;
type Path = Segment[];
type Operand = { kind: "path"; path: Path } | { kind: "value"; av: Av } | { kind: "size"; path: Path };
export type Condition =
  | { op: "and" | "or"; a: Condition; b: Condition }
  | { op: "not"; a: Condition }
  | { op: "cmp"; cmp: string; left: Operand; right: Operand }
  | { op: "between"; v: Operand; lo: Operand; hi: Operand }
  | { op: "in"; v: Operand; list: Operand[] }
  | { op: "fn"; name: string; args: Operand[] };
type ValueExpr = Operand | { kind: "arith"; sign: "+" | "-"; a: Operand; b: Operand } | { kind: "call"; name: "if_not_exists" | "list_append"; a: Operand; b: Operand };
export interface Update {
  set: Array<{ path: Path; value: ValueExpr }>;
  remove: Path[];
  add: Array<{ path: Path; value: Operand }>;
  del: Array<{ path: Path; value: Operand }>;
}

const TOKEN = /\s*(#[A-Za-z0-9_]+|:[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*|\d+|<>|<=|>=|[=<>(),.[\]+-])/y;

class Parser {
  private readonly tokens: string[] = [];
  private at = 0;

  constructor(text: string, private readonly names: Names, private readonly values: Values, private readonly used: { names: Set<string>; values: Set<string> }) {
    TOKEN.lastIndex = 0;
    let match: RegExpExecArray | null;
    while (TOKEN.lastIndex < text.length && (match = TOKEN.exec(text))) this.tokens.push(match[1]!);
    if (text.slice(TOKEN.lastIndex).trim() !== "") throw new ExpressionError(`Invalid expression: Syntax error; token: "${text.slice(TOKEN.lastIndex).trim()[0]}"`);
  }

  peek(offset = 0): string | undefined {
    return this.tokens[this.at + offset];
  }
  keyword(word: string): boolean {
    if (this.peek()?.toUpperCase() !== word) return false;
    this.at++;
    return true;
  }
  expect(token: string): void {
    if (this.peek() !== token) throw new ExpressionError(`Invalid expression: Syntax error; token: "${this.peek() ?? "<EOF>"}", near: "${token}"`);
    this.at++;
  }
  done(): boolean {
    return this.at >= this.tokens.length;
  }

  condition(): Condition {
    let left = this.conjunction();
    while (this.keyword("OR")) left = { op: "or", a: left, b: this.conjunction() };
    return left;
  }
  private conjunction(): Condition {
    let left = this.unary();
    while (this.keyword("AND")) left = { op: "and", a: left, b: this.unary() };
    return left;
  }
  private unary(): Condition {
    if (this.keyword("NOT")) return { op: "not", a: this.unary() };
    if (this.peek() === "(") {
      this.at++;
      const inner = this.condition();
      this.expect(")");
      return inner;
    }
    const fn = this.peek()?.toLowerCase();
    if (fn && ["attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains"].includes(fn) && this.peek(1) === "(") {
      this.at += 2;
      const args = [this.operand()];
      while (this.peek() === ",") {
        this.at++;
        args.push(this.operand());
      }
      this.expect(")");
      if (args[0]!.kind !== "path") throw new ExpressionError(`Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: ${fn}`);
      return { op: "fn", name: fn, args };
    }
    const left = this.operand();
    if (this.keyword("BETWEEN")) {
      const lo = this.operand();
      if (!this.keyword("AND")) throw new ExpressionError('Invalid expression: Syntax error; BETWEEN needs "AND"');
      return { op: "between", v: left, lo, hi: this.operand() };
    }
    if (this.keyword("IN")) {
      this.expect("(");
      const list = [this.operand()];
      while (this.peek() === ",") {
        this.at++;
        list.push(this.operand());
      }
      this.expect(")");
      return { op: "in", v: left, list };
    }
    const cmp = this.peek();
    if (!cmp || !["=", "<>", "<", "<=", ">", ">="].includes(cmp)) throw new ExpressionError(`Invalid expression: Syntax error; token: "${cmp ?? "<EOF>"}"`);
    this.at++;
    return { op: "cmp", cmp, left, right: this.operand() };
  }

  operand(): Operand {
    const token = this.peek();
    if (token?.startsWith(":")) {
      this.at++;
      const av = this.values[token];
      if (!av) throw new ExpressionError(`Invalid expression: An expression attribute value used in expression is not defined; attribute value: ${token}`);
      this.used.values.add(token);
      return { kind: "value", av };
    }
    if (token?.toLowerCase() === "size" && this.peek(1) === "(") {
      this.at += 2;
      const path = this.path();
      this.expect(")");
      return { kind: "size", path };
    }
    return { kind: "path", path: this.path() };
  }

  path(): Path {
    const path: Path = [this.name()];
    for (;;) {
      if (this.peek() === ".") {
        this.at++;
        path.push(this.name());
      } else if (this.peek() === "[") {
        this.at++;
        const index = this.peek();
        if (!index || !/^\d+$/.test(index)) throw new ExpressionError("Invalid expression: a list index must be a number");
        this.at++;
        this.expect("]");
        path.push(Number(index));
      } else return path;
    }
  }

  private name(): string {
    const token = this.peek();
    if (!token || !/^[#A-Za-z_]/.test(token)) throw new ExpressionError(`Invalid expression: Syntax error; token: "${token ?? "<EOF>"}"`);
    this.at++;
    if (!token.startsWith("#")) return token;
    const name = this.names[token];
    if (name === undefined) throw new ExpressionError(`Invalid expression: An expression attribute name used in the document path is not defined; attribute name: ${token}`);
    this.used.names.add(token);
    return name;
  }

  valueExpr(): ValueExpr {
    const fn = this.peek()?.toLowerCase();
    if ((fn === "if_not_exists" || fn === "list_append") && this.peek(1) === "(") {
      this.at += 2;
      const a = this.operand();
      this.expect(",");
      const b = this.operand();
      this.expect(")");
      return { kind: "call", name: fn, a, b };
    }
    const a = this.operand();
    const sign = this.peek();
    if (sign === "+" || sign === "-") {
      this.at++;
      return { kind: "arith", sign, a, b: this.operand() };
    }
    return a;
  }
}

export function parseCondition(text: string, names: Names, values: Values, used: { names: Set<string>; values: Set<string> }): Condition {
  if (text.trim() === "") throw new ExpressionError("Invalid ConditionExpression: The expression can not be empty;");
  const parser = new Parser(text, names, values, used);
  const condition = parser.condition();
  if (!parser.done()) throw new ExpressionError(`Invalid expression: Syntax error; token: "${parser.peek()}"`);
  return condition;
}

export function parseUpdate(text: string, names: Names, values: Values, used: { names: Set<string>; values: Set<string> }): Update {
  const parser = new Parser(text, names, values, used);
  const update: Update = { set: [], remove: [], add: [], del: [] };
  const seen = new Set<string>();
  while (!parser.done()) {
    const clause = parser.peek()!.toUpperCase();
    if (!["SET", "REMOVE", "ADD", "DELETE"].includes(clause)) throw new ExpressionError(`Invalid UpdateExpression: Syntax error; token: "${parser.peek()}"`);
    if (seen.has(clause)) throw new ExpressionError(`Invalid UpdateExpression: The "${clause}" section can only be used once in an update expression;`);
    seen.add(clause);
    parser.keyword(clause);
    for (;;) {
      const path = parser.path();
      if (clause === "SET") {
        parser.expect("=");
        update.set.push({ path, value: parser.valueExpr() });
      } else if (clause === "REMOVE") update.remove.push(path);
      else (clause === "ADD" ? update.add : update.del).push({ path, value: parser.operand() });
      if (parser.peek() !== ",") break;
      parser.expect(",");
    }
  }
  const paths = [...update.set.map((s) => s.path), ...update.remove, ...update.add.map((a) => a.path), ...update.del.map((d) => d.path)].map((p) => p.join("\x1f"));
  for (const [i, a] of paths.entries()) {
    for (const b of paths.slice(i + 1)) {
      if (a === b || a.startsWith(`${b}\x1f`) || b.startsWith(`${a}\x1f`)) {
        throw new ExpressionError("Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths");
      }
    }
  }
  return update;
}

function resolve(item: Item, path: Path): Av | undefined {
  let current: Av | undefined = item[path[0] as string];
  for (const segment of path.slice(1)) {
    if (current === undefined) return undefined;
    current = typeof segment === "number" ? current.L?.[segment] : current.M?.[segment];
  }
  return current;
}

function value(item: Item, operand: Operand): Av | undefined {
  if (operand.kind === "value") return operand.av;
  const av = resolve(item, operand.path);
  if (operand.kind === "path" || av === undefined) return av;
  const size = av.S !== undefined ? [...av.S].length : av.B !== undefined ? Buffer.from(av.B, "base64").length
    : (av.L ?? av.SS ?? av.NS ?? av.BS ?? (av.M ? Object.keys(av.M) : undefined))?.length;
  if (size === undefined) throw new ExpressionError("Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: size");
  return { N: String(size) };
}

const typeOf = (av: Av) => Object.keys(av)[0]!;
function order(a: Av, b: Av): number | undefined {
  if (typeOf(a) !== typeOf(b)) return undefined;
  if (a.N !== undefined) return Number(a.N) - Number(b.N);
  if (a.S !== undefined) return a.S < b.S! ? -1 : a.S > b.S! ? 1 : 0;
  if (a.B !== undefined) return Buffer.compare(Buffer.from(a.B, "base64"), Buffer.from(b.B!, "base64"));
  return undefined;
}
const equal = (a: Av, b: Av) => (order(a, b) ?? (JSON.stringify(a) === JSON.stringify(b) ? 0 : 1)) === 0;

/** Whether `condition` holds for `item` ({} for an item that does not exist). A missing attribute makes a comparison false. */
export function evaluate(condition: Condition, item: Item): boolean {
  switch (condition.op) {
    case "and": return evaluate(condition.a, item) && evaluate(condition.b, item);
    case "or": return evaluate(condition.a, item) || evaluate(condition.b, item);
    case "not": return !evaluate(condition.a, item);
    case "cmp": {
      const [a, b] = [value(item, condition.left), value(item, condition.right)];
      if (a === undefined || b === undefined) return false;
      if (condition.cmp === "=") return equal(a, b);
      if (condition.cmp === "<>") return !equal(a, b);
      const o = order(a, b);
      if (o === undefined) return false;
      return { "<": o < 0, "<=": o <= 0, ">": o > 0, ">=": o >= 0 }[condition.cmp]!;
    }
    case "between": {
      const [v, lo, hi] = [value(item, condition.v), value(item, condition.lo), value(item, condition.hi)];
      if (v === undefined || lo === undefined || hi === undefined) return false;
      const [low, high] = [order(v, lo), order(v, hi)];
      return low !== undefined && high !== undefined && low >= 0 && high <= 0;
    }
    case "in": {
      const v = value(item, condition.v);
      return v !== undefined && condition.list.some((operand) => {
        const candidate = value(item, operand);
        return candidate !== undefined && equal(v, candidate);
      });
    }
    case "fn": {
      const [target, arg] = [value(item, condition.args[0]!), condition.args[1] ? value(item, condition.args[1]) : undefined];
      switch (condition.name) {
        case "attribute_exists": return target !== undefined;
        case "attribute_not_exists": return target === undefined;
        case "attribute_type": return target !== undefined && arg?.S === typeOf(target);
        case "begins_with": return target?.S !== undefined && arg?.S !== undefined && target.S.startsWith(arg.S);
        case "contains": return target !== undefined && arg !== undefined && (
          (target.S !== undefined && arg.S !== undefined && target.S.includes(arg.S)) ||
          (target.SS ?? target.NS ?? []).includes((arg.S ?? arg.N)!) ||
          (target.L ?? []).some((element) => equal(element, arg)));
        default: throw new ExpressionError(`Invalid ConditionExpression: Invalid function name; function: ${condition.name}`);
      }
    }
  }
}

const wrongType = () => new ExpressionError("An operand in the update expression has an incorrect data type");
const invalidPath = () => new ExpressionError("The document path provided in the update expression is invalid for update");

/** Applies `update` to `item` in place, every value read from the item as it was; answers the top-level attributes it touched. */
export function applyUpdate(update: Update, item: Item, keys: ReadonlySet<string>): Set<string> {
  const before = structuredClone(item);
  const touched = new Set<string>();
  const all = [...update.set.map((s) => s.path), ...update.remove, ...update.add.map((a) => a.path), ...update.del.map((d) => d.path)];
  for (const path of all) {
    if (keys.has(path[0] as string)) throw new ExpressionError(`Cannot update attribute ${path[0]}. This attribute is part of the key`);
    touched.add(path[0] as string);
  }
  const computed = update.set.map(({ path, value: expr }) => ({ path, av: compute(before, expr) }));
  for (const { path, av } of computed) put(item, path, av);
  for (const path of update.remove) remove(item, path);
  for (const { path, value: operand } of update.add) {
    if (path.length !== 1) throw new ExpressionError("Invalid UpdateExpression: ADD can only be used on top-level attributes");
    const current = before[path[0] as string];
    const delta = value(before, operand)!;
    if (delta.N !== undefined) {
      if (current !== undefined && current.N === undefined) throw wrongType();
      item[path[0] as string] = { N: String(Number(current?.N ?? 0) + Number(delta.N)) };
    } else if (delta.SS ?? delta.NS ?? delta.BS) {
      const kind = delta.SS ? "SS" : delta.NS ? "NS" : "BS";
      if (current !== undefined && current[kind] === undefined) throw wrongType();
      item[path[0] as string] = { [kind]: [...new Set([...(current?.[kind] ?? []), ...delta[kind]!])] };
    } else throw wrongType();
  }
  for (const { path, value: operand } of update.del) {
    const current = resolve(item, path);
    const removing = value(before, operand)!;
    const kind = removing.SS ? "SS" : removing.NS ? "NS" : removing.BS ? "BS" : undefined;
    if (!kind || (current !== undefined && current[kind] === undefined)) throw wrongType();
    if (current) {
      const left = current[kind]!.filter((element) => !removing[kind]!.includes(element));
      if (left.length === 0) remove(item, path);
      else put(item, path, { [kind]: left });
    }
  }
  return touched;
}

function compute(item: Item, expr: ValueExpr): Av {
  if (expr.kind === "path" || expr.kind === "value" || expr.kind === "size") {
    const av = value(item, expr);
    if (av === undefined) throw new ExpressionError("The provided expression refers to an attribute that does not exist in the item");
    return av;
  }
  if (expr.kind === "call" && expr.name === "if_not_exists") {
    if (expr.a.kind !== "path") throw wrongType();
    return resolve(item, expr.a.path) ?? compute(item, expr.b);
  }
  const [a, b] = [compute(item, expr.a), compute(item, expr.b)];
  if (expr.kind === "call") {
    if (!a.L || !b.L) throw wrongType();
    return { L: [...a.L, ...b.L] };
  }
  if (a.N === undefined || b.N === undefined) throw wrongType();
  return { N: String(expr.sign === "+" ? Number(a.N) + Number(b.N) : Number(a.N) - Number(b.N)) };
}

function parentOf(item: Item, path: Path): Av | Item | undefined {
  if (path.length === 1) return item;
  return resolve(item, path.slice(0, -1));
}

function put(item: Item, path: Path, av: Av): void {
  const parent = parentOf(item, path);
  const last = path[path.length - 1]!;
  if (path.length === 1) item[last as string] = av;
  else if (typeof last === "number" && (parent as Av)?.L) {
    const list = (parent as Av).L!;
    if (last >= list.length) list.push(av);
    else list[last] = av;
  } else if (typeof last === "string" && (parent as Av)?.M) (parent as Av).M![last] = av;
  else throw invalidPath();
}

function remove(item: Item, path: Path): void {
  const parent = parentOf(item, path);
  const last = path[path.length - 1]!;
  if (path.length === 1) delete item[last as string];
  else if (typeof last === "number" && (parent as Av)?.L) (parent as Av).L!.splice(last, 1);
  else if (typeof last === "string" && (parent as Av)?.M) delete (parent as Av).M![last];
  else throw invalidPath();
}

/** Order of two items by their key attributes (S, N or B), as Query and Scan return them. */
export function compareKeys(a: Item, b: Item, keys: readonly string[]): number {
  for (const key of keys) {
    const o = order(a[key]!, b[key]!) ?? 0;
    if (o !== 0) return o;
  }
  return 0;
}
