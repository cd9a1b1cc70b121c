/**
 * How a connection's bookmarks are keyed: by object name; when two of its objects share a name (a
 * common `contact` and a standard `contact`), the standard one keeps the name and the others are
 * keyed `<object_type>/<name>`. `<object_type>/<name>` also resolves for every object.
 */
import type { ObjectType } from './plan';

export interface KeyedObject {
  id: string;
  object_type: ObjectType;
  object: string;
}

export function bookmarkKeys<T extends KeyedObject>(objects: T[]): { keyOf: Map<string, string>; byKey: Map<string, T> } {
  const count = new Map<string, number>();
  for (const o of objects) count.set(o.object, (count.get(o.object) ?? 0) + 1);
  const keyOf = new Map<string, string>();
  const byKey = new Map<string, T>();
  for (const o of objects) {
    const key = (count.get(o.object) ?? 0) > 1 && o.object_type !== 'standard' ? `${o.object_type}/${o.object}` : o.object;
    keyOf.set(o.id, key);
    byKey.set(key, o);
  }
  // An object literally named `custom/x` keeps its own key over the qualified form of `x`.
  for (const o of objects) if (!byKey.has(`${o.object_type}/${o.object}`)) byKey.set(`${o.object_type}/${o.object}`, o);
  return { keyOf, byKey };
}
