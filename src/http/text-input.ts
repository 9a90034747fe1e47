import type { FieldIssue } from '../domain/errors.js';

/** The part of a JSON schema this module reads. */
export interface JsonSchemaNode {
  readonly type?: string | readonly string[];
  readonly anyOf?: readonly JsonSchemaNode[];
  readonly oneOf?: readonly JsonSchemaNode[];
  readonly properties?: Readonly<Record<string, JsonSchemaNode>>;
  readonly additionalProperties?: boolean | JsonSchemaNode;
  readonly items?: JsonSchemaNode;
  readonly [key: string]: unknown;
}

type TextType = 'integer' | 'number' | 'boolean' | 'array' | 'text';

const INTEGER = /^-?(0|[1-9]\d*)$/;
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/** The one JSON type a property is declared with (null and unions with null aside); 'text' for strings and the rest. */
function textType(node: JsonSchemaNode | undefined): TextType {
  if (!node) return 'text';
  const types = [node.type ?? [], ...(node.anyOf ?? []).map((n) => n.type ?? []), ...(node.oneOf ?? []).map((n) => n.type ?? [])].flat().filter((t) => t !== 'null');
  const [first] = types;
  return first === 'integer' || first === 'number' || first === 'boolean' || first === 'array' ? first : 'text';
}

/** Every property of an object schema, also across the branches of a union of objects. */
export function propertiesOf(schema: JsonSchemaNode): Record<string, JsonSchemaNode> {
  const branches = [schema, ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  return Object.assign({}, ...branches.map((b) => b.properties ?? {})) as Record<string, JsonSchemaNode>;
}

/**
 * Path segments, query strings and multipart text fields are text by nature; this is their one conversion to
 * the types the route's schema declares, so that schema (and the OpenAPI document made from it) is what is
 * enforced, and JSON bodies never need coercion:
 *   integer  optional minus and digits, no leading zeros, nothing else ("10"; not "1e3", "0x10", " 5", "")
 *   number   the same with an optional decimal part ("2.5")
 *   boolean  exactly "true" or "false"
 *   array    one value becomes a one-element list
 * A value given more than once where one is expected is refused. Strings stay as they are.
 */
export function fromText(schema: JsonSchemaNode, input: Readonly<Record<string, unknown>>, issues: FieldIssue[]): Record<string, unknown> {
  const properties = propertiesOf(schema);
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(input)) {
    const type = textType(properties[name]);
    const field = name;
    if (type === 'array') {
      out[name] = Array.isArray(raw) ? raw : [raw];
      continue;
    }
    if (Array.isArray(raw)) {
      issues.push({ field, message: 'must be given once' });
      continue;
    }
    if (typeof raw !== 'string' || type === 'text') {
      out[name] = raw;
      continue;
    }
    const converted = convert(type, raw);
    if (converted === undefined) issues.push({ field, message: MESSAGES[type] });
    else out[name] = converted;
  }
  return out;
}

const MESSAGES: Record<'integer' | 'number' | 'boolean', string> = {
  integer: 'must be an integer (digits only)',
  number: 'must be a number',
  boolean: 'must be true or false',
};

function convert(type: 'integer' | 'number' | 'boolean', raw: string): number | boolean | undefined {
  if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : undefined;
  if (!(type === 'integer' ? INTEGER : NUMBER).test(raw)) return undefined;
  const value = Number(raw);
  return type === 'integer' && !Number.isSafeInteger(value) ? undefined : value;
}
