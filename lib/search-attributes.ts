/**
 * Custom search attributes on sync schedules and runs, so operators can filter the
 * Temporal UI by tenant, connection or object. Registered on the embedded dev
 * server; external clusters register them once (see README).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SEARCH_ATTRIBUTE_TYPES = {
  ApplicationId: 'Keyword',
  CustomerId: 'Keyword',
  ConnectionId: 'Keyword',
  ProviderName: 'Keyword',
  ObjectType: 'Keyword',
  Object: 'Keyword',
  SyncId: 'Keyword',
} as const;

export const searchAttributes = {
  applicationId: defineSearchAttributeKey('ApplicationId', SearchAttributeType.KEYWORD),
  customerId: defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD),
  connectionId: defineSearchAttributeKey('ConnectionId', SearchAttributeType.KEYWORD),
  providerName: defineSearchAttributeKey('ProviderName', SearchAttributeType.KEYWORD),
  objectType: defineSearchAttributeKey('ObjectType', SearchAttributeType.KEYWORD),
  object: defineSearchAttributeKey('Object', SearchAttributeType.KEYWORD),
  syncId: defineSearchAttributeKey('SyncId', SearchAttributeType.KEYWORD),
};
