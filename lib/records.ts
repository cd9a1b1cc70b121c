/** Record types providers (which read them) and destinations (which write them) share. Types only. */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Where an object comes from: the unified CRM model, a provider's standard object, or a custom one. */
export type ObjectType = 'common' | 'standard' | 'custom';
