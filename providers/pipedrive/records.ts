/** Pipedrive v1 items as SourceRecords: which Pipedrive object each common object is, and how deletion shows. */
import { date } from '../common-model/helpers';
import type { CommonObject } from '../common-model/model';
import { pipedriveAccount, pipedriveContact, pipedriveLead, pipedriveOpportunity, pipedriveUser } from '../common-model/pipedrive';
import type { SourceRecord } from '../types';

export const COMMON_TO_OBJECT: Record<CommonObject, string> = { contact: 'persons', account: 'organizations', opportunity: 'deals', lead: 'leads', user: 'users' };
const MAPPERS: Record<CommonObject, (r: Record<string, any>) => object> = {
  contact: pipedriveContact,
  account: pipedriveAccount,
  opportunity: pipedriveOpportunity,
  lead: pipedriveLead,
  user: pipedriveUser,
};

const modifiedOf = (r: Record<string, unknown>) => date(r.update_time ?? r.modified);
/** Pipedrive keeps a deleted item for 30 days, marked active_flag=false (a deal: status=deleted, deleted=true). */
export const isDeletedItem = (r: Record<string, unknown>) => r.active_flag === false || r.status === 'deleted' || r.deleted === true;

export function toRecord(r: Record<string, any>, common: CommonObject | undefined): SourceRecord {
  return {
    id: String(r.id),
    lastModifiedAt: modifiedOf(r),
    isDeleted: isDeletedItem(r),
    raw: r,
    ...(common ? { unified: MAPPERS[common](r) as Record<string, unknown> } : {}),
  };
}

/** A deleted item of which only the id is known. */
export function tombstone(id: unknown, common: CommonObject | undefined): SourceRecord {
  const raw = { id };
  return { id: String(id), lastModifiedAt: null, isDeleted: true, raw, ...(common ? { unified: { ...(MAPPERS[common](raw) as Record<string, unknown>), is_deleted: true } } : {}) };
}
