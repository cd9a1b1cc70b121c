/**
 * The bodies of Supaglue's CRM API v2 (supaglue-crm-v2.openapi.json) that the action paths take and
 * answer, with the reference's component names. Objects stay open (as in the reference, which forbids
 * no additional property): a field outside the common model, such as a contact's read-only
 * `last_activity_at` in the reference's own create example, is accepted and not written.
 */
import { z } from '@hono/zod-openapi';
import { connectionHeaders } from '../schemas/common';

const text = z.string().nullable();
const dateTime = z.string().nullable().openapi({ format: 'date-time' });

const addresses = z
  .array(
    z.object({
      address_type: z.enum(['primary', 'mailing', 'other', 'billing', 'shipping']),
      city: text,
      country: text,
      postal_code: text,
      state: text,
      street_1: text,
      street_2: text,
    }),
  )
  .openapi('addresses');
const emailAddresses = z
  .array(z.object({ email_address: z.string().openapi({ example: 'hello@supaglue.com' }), email_address_type: z.enum(['primary', 'work', 'other']) }))
  .openapi('email_addresses');
const phoneNumbers = z
  .array(z.object({ phone_number: text.openapi({ example: '+14151234567' }), phone_number_type: z.enum(['primary', 'mobile', 'fax', 'other']) }))
  .openapi('phone_numbers');
const lifecycleStage = z
  .enum(['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'])
  .nullable()
  .openapi('lifecycle_stage');
const customFields = z
  .record(z.string(), z.unknown())
  .openapi('custom_fields', { description: "Provider properties the common model does not cover, by the provider's own names." });

const contactBase = {
  first_name: text.optional(),
  last_name: text.optional(),
  account_id: text.optional(),
  addresses: addresses.optional(),
  email_addresses: emailAddresses.optional(),
  phone_numbers: phoneNumbers.optional(),
  owner_id: text.optional(),
  lifecycle_stage: lifecycleStage.optional(),
};
const accountBase = {
  name: text.optional(),
  description: text.optional(),
  industry: text.optional(),
  website: text.optional(),
  number_of_employees: z.number().int().nullable().optional(),
  addresses: addresses.optional(),
  phone_numbers: phoneNumbers.optional(),
  owner_id: text.optional(),
  lifecycle_stage: lifecycleStage.optional(),
};
const leadBase = {
  company: text.optional(),
  first_name: text.optional(),
  last_name: text.optional(),
  lead_source: text.optional(),
  title: z.string().optional(),
  email_addresses: emailAddresses.optional(),
  addresses: addresses.optional(),
  owner_id: text.optional(),
  converted_contact_id: text.optional(),
  converted_account_id: text.optional(),
};
const opportunityBase = {
  amount: z.number().int().nullable().optional(),
  close_date: text.optional(),
  description: text.optional(),
  name: text.optional(),
  stage: z.string().optional(),
  account_id: text.optional(),
  owner_id: text.optional(),
  pipeline: text.optional(),
};

const writable = <T extends Record<string, z.ZodType>>(fields: T) => ({ ...fields, custom_fields: customFields.optional() });

export type CrmCommonObject = 'contact' | 'account' | 'lead' | 'opportunity';

/** create_update_<object>: what a create, an update or an upsert writes. */
export const createUpdateSchemas: Record<CrmCommonObject, z.ZodType<Record<string, unknown>>> = {
  contact: z.looseObject(writable(contactBase)).openapi('create_update_contact'),
  account: z.looseObject(writable(accountBase)).openapi('create_update_account'),
  lead: z.looseObject(writable(leadBase)).openapi('create_update_lead'),
  opportunity: z.looseObject(writable(opportunityBase)).openapi('create_update_opportunity'),
};

const readOnly = {
  id: z.string(),
  created_at: dateTime,
  updated_at: dateTime,
  is_deleted: z.boolean(),
  last_modified_at: z.string().openapi({ format: 'date-time' }),
  raw_data: z.record(z.string(), z.unknown()).optional().openapi({ description: "The provider's record, with `include_raw_data=true`." }),
};
const required = <T extends Record<string, z.ZodType>>(fields: T) =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v instanceof z.ZodOptional ? v.unwrap() : v])) as {
    [K in keyof T]: T[K] extends z.ZodOptional<infer U> ? U : T[K];
  };

/** The record a GET answers: the common model as the provider holds it now. */
export const commonRecordSchemas: Record<CrmCommonObject, z.ZodType> = {
  contact: z
    .looseObject({
      ...required(contactBase),
      last_activity_at: dateTime,
      // The reference lists `description` among a contact's required fields without defining it.
      description: text.openapi({ description: 'Always null: the reference requires the key, contacts have no description.' }),
      ...readOnly,
    })
    .openapi('contact'),
  account: z.looseObject({ ...required(accountBase), last_activity_at: dateTime, ...readOnly }).openapi('account'),
  lead: z.looseObject({ ...required(leadBase), title: text, converted_date: dateTime, ...readOnly }).openapi('lead'),
  opportunity: z.looseObject({ ...required(opportunityBase), stage: text, status: text, close_date: dateTime, last_activity_at: dateTime, ...readOnly }).openapi('opportunity'),
};

const warnings = z.array(z.object({ detail: z.string().optional(), problem_type: z.string().optional(), title: z.string().optional() })).openapi('warnings');
const createdRecord = z.object({ id: z.string().openapi({ description: "The provider's id of the record.", example: '12345' }) }).openapi('created_record');

/** 201 of a create or an upsert (and 200/201 of a standard or custom object record's update): the provider's id. */
export const createdSchema = z.object({ record: createdRecord, warnings: warnings.optional() });
/** 200 of a common object's update. */
export const updatedSchema = z.object({ warnings: warnings.optional() });

/** upsert_on of contacts and leads. */
export const upsertOnEmailSchema = z.object({
  key: z.enum(['email']).openapi({ description: 'The key to upsert on: `email`.' }),
  values: z
    .array(z.string().openapi({ example: 'hello@example.com' }))
    .openapi({ description: 'Exactly one email: the record with it is updated, or one is created with it. Several values (a logical OR in the reference) answer 501.' }),
});

export const objectRecordSchemas = {
  standard: z
    .object({
      id: z.string(),
      object_name: z.string(),
      data: z.record(z.string(), z.unknown()),
      is_deleted: z.boolean(),
      last_modified_at: z.string().nullable().openapi({ format: 'date-time' }),
    })
    .openapi('standard_object_record'),
  custom: z
    .object({
      id: z.string(),
      custom_object_name: z.string(),
      data: z.record(z.string(), z.unknown()),
      is_deleted: z.boolean(),
      last_modified_at: z.string().nullable().openapi({ format: 'date-time' }),
    })
    .openapi('custom_object_record'),
};

/** create_update_standard_object_record / create_update_custom_object_record: the provider's own fields. */
export const objectRecordBodies = {
  standard: z.record(z.string(), z.unknown()).openapi('create_update_standard_object_record'),
  custom: z.record(z.string(), z.unknown()).openapi('create_update_custom_object_record'),
};

export const includeRawDataQuery = z.object({
  include_raw_data: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ param: { name: 'include_raw_data', in: 'query' }, description: "Whether to include the provider's record in `raw_data`." }),
});

/**
 * The connection (x-customer-id, x-provider-name) and Idempotency-Key, on the writes. The key is
 * named as Hono hands headers over, lower case: a parameter named otherwise makes the document fail.
 */
export const writeHeaders = connectionHeaders.extend({
  'idempotency-key': z.string().min(1).max(255).optional().openapi({
    description:
      'Idempotency-Key: a retry with the same key within 24 hours gets the first outcome back (with `Idempotent-Replayed: true`) instead of writing again; the same key with another body is a 422.',
  }),
});
