/** Bookmark keys: object names, qualified only where two objects of the connection share one. */
import { describe, expect, it } from 'vitest';
import { bookmarkKeys, type KeyedObject } from './bookmark-keys';

const o = (id: string, object_type: KeyedObject['object_type'], object: string): KeyedObject => ({ id, object_type, object });

describe('bookmark keys', () => {
  it('are the object names when no two objects share one', () => {
    const { keyOf } = bookmarkKeys([o('1', 'standard', 'contacts'), o('2', 'common', 'contact'), o('3', 'custom', 'invoice__c')]);
    expect([...keyOf.values()]).toEqual(['contacts', 'contact', 'invoice__c']);
  });

  it('qualify the common (and custom) object when it shares the name of a standard one; the standard keeps the name', () => {
    const objects = [o('1', 'common', 'contact'), o('2', 'standard', 'contact'), o('3', 'custom', 'contact'), o('4', 'standard', 'deals')];
    const { keyOf, byKey } = bookmarkKeys(objects);
    expect(Object.fromEntries(keyOf)).toEqual({ '1': 'common/contact', '2': 'contact', '3': 'custom/contact', '4': 'deals' });
    expect(byKey.get('contact')?.id).toBe('2');
    expect(byKey.get('common/contact')?.id).toBe('1');
  });

  it('resolve <object_type>/<name> for every object, but never over an object of that very name', () => {
    const { byKey } = bookmarkKeys([o('1', 'standard', 'contacts'), o('2', 'custom', 'standard/contacts')]);
    expect(byKey.get('contacts')?.id).toBe('1');
    expect(byKey.get('standard/contacts')?.id).toBe('2');
    expect(byKey.get('custom/standard/contacts')?.id).toBe('2');
  });
});
