// The validator for query strings, params and headers, which arrive as text and are coerced to their schema types.
// Ajv coerces "1e309" to Infinity and then passes it as an integer under any `maximum` (checked with ajv 8.20:
// `?limit=1e309` validated, reached the list queries as Infinity and answered 500 on every list route), so a coerced
// value must also be a finite number: it is refused as validation_failed naming the parameter.
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';

type CheckedValidator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

export function compileCoercing(ajv: Ajv, schema: object): CheckedValidator {
  const validate: ValidateFunction = ajv.compile(schema);
  const checked: CheckedValidator = (data) => {
    if (!validate(data)) {
      checked.errors = validate.errors;
      return false;
    }
    const path = nonFinitePath(data, '');
    checked.errors = path === undefined ? null
      : [{ instancePath: path, schemaPath: '#', keyword: 'type', params: {}, message: 'must be a finite number' }];
    return path === undefined;
  };
  return checked;
}

/** The JSON pointer of the first non-finite number in `data`, or undefined when every number is finite. */
function nonFinitePath(data: unknown, path: string): string | undefined {
  if (typeof data === 'number') return Number.isFinite(data) ? undefined : path || '/';
  if (data === null || typeof data !== 'object') return undefined;
  for (const [key, value] of Object.entries(data)) {
    const found = nonFinitePath(value, `${path}/${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}
