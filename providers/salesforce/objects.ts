/** Which sObject a request names, and Salesforce records as SourceRecords (shared by reads and writes). */
import { date } from '../common-model/helpers';
import type { CommonObject } from '../common-model/model';
import { salesforceAccount, salesforceContact, salesforceLead, salesforceOpportunity, salesforceUser } from '../common-model/salesforce';
import { ProviderError } from '../errors';
import type { ObjectType, SourceRecord } from '../types';

export const COMMON_TO_SOBJECT: Record<CommonObject, string> = { contact: 'Contact', account: 'Account', opportunity: 'Opportunity', lead: 'Lead', user: 'User' };
const MAPPERS: Record<CommonObject, (r: Record<string, unknown>) => object> = {
  contact: salesforceContact,
  account: salesforceAccount,
  opportunity: salesforceOpportunity,
  lead: salesforceLead,
  user: salesforceUser,
};

/** The sObject behind a request's object (a common object's, or the name itself), checked to be a plain API name. */
export function resolveSObject(object: string, objectType: ObjectType): { sobject: string; common?: CommonObject } {
  const common = objectType === 'common' ? (object as CommonObject) : undefined;
  if (common && !Object.hasOwn(COMMON_TO_SOBJECT, common)) throw new ProviderError('configuration', `Salesforce has no common object "${object}"`);
  const sobject = common ? COMMON_TO_SOBJECT[common] : object;
  // The name goes into SOQL and URL paths unquoted.
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(sobject)) throw new ProviderError('configuration', `"${sobject}" is not a Salesforce object name`);
  return common ? { sobject, common } : { sobject };
}

export function toSourceRecord(raw: Record<string, unknown>, common?: CommonObject): SourceRecord {
  return {
    id: String(raw.Id),
    lastModifiedAt: date(raw.SystemModstamp ?? raw.LastModifiedDate),
    isDeleted: raw.IsDeleted === true,
    raw,
    ...(common ? { unified: MAPPERS[common](raw) as Record<string, unknown> } : {}),
  };
}
