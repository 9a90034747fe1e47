/** Reading the gateway's own OpenAPI document, for tests that walk every route it lists. */

export interface SchemaNode {
  readonly type?: string | string[];
  readonly anyOf?: SchemaNode[];
  readonly oneOf?: SchemaNode[];
  readonly properties?: Record<string, SchemaNode>;
  readonly additionalProperties?: boolean;
  readonly items?: SchemaNode;
  readonly required?: string[];
}

export interface Operation {
  readonly method: string;
  /** OpenAPI path, e.g. `/api/devices/{phone}`. */
  readonly path: string;
  readonly tags: string[];
  readonly parameters: { name: string; in: 'path' | 'query'; schema: SchemaNode }[];
  readonly requestBody?: { content: Record<string, { schema: SchemaNode }> };
  readonly security?: unknown[];
  /** Another system's signed webhook: bytes checked against a signature before they are read (api-registry.ts). */
  readonly 'x-signed-body'?: { signatureHeader: string };
}

export interface OpenApiDocument {
  readonly paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>>;
}

export async function fetchDocument(baseUrl: string): Promise<OpenApiDocument> {
  const res = await fetch(`${baseUrl}/api-docs/openapi.json`);
  if (res.status !== 200) throw new Error(`openapi.json answered ${res.status}`);
  return (await res.json()) as OpenApiDocument;
}

export function operations(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ ...op, method: method.toUpperCase(), path })));
}

/** The URL of an operation with its path parameters filled; a parameter nobody knows a value for fails loudly. */
export function fillPath(op: Operation, values: (name: string, op: Operation) => string | undefined): string {
  return op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const value = values(name, op);
    if (value === undefined) throw new Error(`no value for path parameter {${name}} of ${op.method} ${op.path}: teach the test one`);
    return encodeURIComponent(value);
  });
}

/** Every property a body schema declares, also across the branches of a union. */
export function propertiesOf(schema: SchemaNode): Record<string, SchemaNode> {
  return Object.assign({}, ...[schema, ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].map((s) => s.properties ?? {})) as Record<string, SchemaNode>;
}

/** The JSON types a property accepts (from `type` and its union branches). */
export function typesOf(node: SchemaNode): string[] {
  return [node.type ?? [], ...(node.anyOf ?? []).flatMap(typesOf), ...(node.oneOf ?? []).flatMap(typesOf)].flat();
}
