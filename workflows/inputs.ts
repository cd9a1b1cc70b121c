/**
 * Inputs of workflows that services start directly. Kept apart from the workflow code (which
 * imports activity types) so a service can name them without an import cycle.
 */
export interface WebhookDeliveryInput {
  eventId: string;
}
