/**
 * Evaluating DynamoDB's condition expressions and applying its update expressions, parsed by
 * fake-dynamodb-expressions.ts, for the fake in fake-dynamodb.ts.
 */
import { ExpressionError, type Av, type Condition, type Item, type Operand, type Path, type Update, type ValueExpr } from "./fake-dynamodb-expressions";

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
