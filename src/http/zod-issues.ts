import type { z } from 'zod';
import type { FieldIssue } from '../domain/errors.js';

type Issue = z.core.$ZodIssue;

/**
 * zod's issues as field messages: an unknown field is named (one issue per field), and a union that matched
 * no branch reports the branch that came closest (fewest issues), so a caller reads `concurrency: expected
 * number` instead of "Invalid input".
 */
export function toIssues(where: string, error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) => flatten(issue, [])).map(({ path, message }) => ({ field: path.length > 0 ? path.join('.') : where, message }));
}

function flatten(issue: Issue, prefix: readonly PropertyKey[]): { path: string[]; message: string }[] {
  const path = [...prefix, ...issue.path].map(String);
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: [...path, key], message: 'is not a known field' }));
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
    return closest.flatMap((inner) => flatten(inner, path));
  }
  return [{ path, message: issue.message }];
}
