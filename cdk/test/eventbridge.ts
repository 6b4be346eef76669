/**
 * Just enough of EventBridge's semantics to check patterns and input transformers from
 * the synthesized template against sample events: exact values, `exists`, nesting,
 * and `<name>` placeholders filled with the JSON of a `$.a.b` path.
 */
export function matches(pattern: Record<string, any>, event: Record<string, any>): boolean {
  return Object.entries(pattern).every(([key, rule]) => {
    const present = Object.prototype.hasOwnProperty.call(event, key);
    if (Array.isArray(rule)) {
      return rule.some((alt) => {
        if (alt !== null && typeof alt === 'object') {
          if ('exists' in alt) return alt.exists === present;
          throw new Error(`unsupported pattern operator ${JSON.stringify(alt)}`);
        }
        return present && event[key] === alt;
      });
    }
    return present && typeof event[key] === 'object' && matches(rule, event[key]);
  });
}

function at(event: Record<string, any>, path: string): unknown {
  if (!path.startsWith('$.')) throw new Error(`unsupported path ${path}`);
  return path
    .slice(2)
    .split('.')
    .reduce<any>((v, k) => (v === undefined ? undefined : v[k]), event);
}

export function transform(
  transformer: { InputPathsMap: Record<string, string>; InputTemplate: string },
  event: Record<string, any>,
): unknown {
  const filled = transformer.InputTemplate.replace(/<([A-Za-z0-9_-]+)>/g, (_m, name: string) => {
    const path = transformer.InputPathsMap[name];
    if (path === undefined) throw new Error(`no path for <${name}>`);
    const value = at(event, path);
    return value === undefined ? 'null' : JSON.stringify(value);
  });
  return JSON.parse(filled);
}
