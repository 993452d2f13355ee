/**
 * DynamoDB's condition and update expression languages parsed, as the DynamoDB Developer Guide defines
 * them ("Condition and filter expressions, operators, and functions"; "Using update expressions"), for
 * the fake in fake-dynamodb.ts (fake-dynamodb-evaluate.ts evaluates and applies them). A malformed
 * expression is an ExpressionError, answered as DynamoDB answers it: ValidationException with
 * DynamoDB's message where the guide gives one.
 */
export type Av = { S?: string; N?: string; B?: string; BOOL?: boolean; NULL?: boolean; M?: Record<string, Av>; L?: Av[]; SS?: string[]; NS?: string[]; BS?: string[] };
export type Item = Record<string, Av>;
export type Names = Record<string, string>;
export type Values = Record<string, Av>;

export class ExpressionError extends Error {}

type Segment = string | number;
export type Path = Segment[];
export type Operand = { kind: "path"; path: Path } | { kind: "value"; av: Av } | { kind: "size"; path: Path };
export type Condition =
  | { op: "and" | "or"; a: Condition; b: Condition }
  | { op: "not"; a: Condition }
  | { op: "cmp"; cmp: string; left: Operand; right: Operand }
  | { op: "between"; v: Operand; lo: Operand; hi: Operand }
  | { op: "in"; v: Operand; list: Operand[] }
  | { op: "fn"; name: string; args: Operand[] };
export type ValueExpr = Operand | { kind: "arith"; sign: "+" | "-"; a: Operand; b: Operand } | { kind: "call"; name: "if_not_exists" | "list_append"; a: Operand; b: Operand };
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
