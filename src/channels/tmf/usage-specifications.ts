/** The usage the billing core rates (TMF635 usageSpecification): one per kind, with the characteristics accepted. */

export interface UsageCharacteristicSpec {
  name: string;
  valueType: 'string' | 'integer';
  description: string;
  minCardinality: 0 | 1;
  values?: string[];
}

export interface UsageSpec {
  id: 'voice' | 'sms' | 'mms' | 'data';
  name: string;
  description: string;
  characteristics: UsageCharacteristicSpec[];
}

const common: UsageCharacteristicSpec[] = [
  { name: 'recordId', valueType: 'string', description: "The network's record id: a record is rated once (defaults to the Idempotency-Key)", minCardinality: 0 },
  { name: 'msisdn', valueType: 'string', description: 'The number that used the service (or relatedParty.id)', minCardinality: 0 },
  { name: 'zone', valueType: 'string', description: 'Where: home (default), intercity or roaming', minCardinality: 0, values: ['home', 'intercity', 'roaming'] },
];
const counterpart: UsageCharacteristicSpec = { name: 'counterpart', valueType: 'string', description: 'The other party (number called or messaged)', minCardinality: 0 };

export const USAGE_SPECIFICATIONS: readonly UsageSpec[] = [
  { id: 'voice', name: 'Voice call', description: 'An outgoing call, billed by the minute against the minutes quota, then money', characteristics: [...common, { name: 'durationSeconds', valueType: 'integer', description: 'Length of the call in seconds', minCardinality: 1 }, counterpart] },
  { id: 'sms', name: 'SMS', description: 'An outgoing SMS, billed per message against the SMS quota, then money', characteristics: [...common, counterpart] },
  { id: 'mms', name: 'MMS', description: 'An outgoing MMS, billed per message', characteristics: [...common, counterpart] },
  { id: 'data', name: 'Mobile data', description: 'A data session, billed by volume against the data quota, then money', characteristics: [...common, { name: 'bytes', valueType: 'integer', description: 'Volume in bytes', minCardinality: 1 }] },
];
