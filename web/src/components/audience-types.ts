// What the audience pages read from the server (src/server/routes/audiences.ts, audience-tools.ts,
// webhooks/routes.ts), and the builder's blocks (src/server/audience-blocks.ts).

export interface AudienceDef { name: string; description?: string; where: string; updatedAt: string }
export interface Snapshot { runId: number; kind: string; asOf: string | null; createdAt: string; name?: string; customers?: number }
export interface AudienceCount { name?: string; asOf: string; customers: number; share: number; where?: string }
export interface Diagnostic { line: number; column: number; length?: number; code: string; message: string; hint?: string; audience?: string }
export interface Validation { valid: boolean; where?: string; diagnostics: Diagnostic[]; warnings: string[] }
export interface ExplainNode { condition: string; holds: boolean; observed?: unknown; threshold?: unknown; items?: ExplainNode[] }
export interface VocabItem { value: string; label: string; type?: string; detail?: string; scope?: 'customer' | 'transactions' }
export interface Vocabulary { kind: string; items: VocabItem[]; next: number | null }
export interface Webhook { id: string; audience: string; url: string; events: string[]; createdAt: string; status: 'active' | 'failed'; failure?: { at: string; reason: string }; secret?: string }

export type TimeUnit = 'hours' | 'days' | 'weeks' | 'months' | 'years';
export const UNITS: TimeUnit[] = ['days', 'weeks', 'months', 'years', 'hours'];
export type BlockValue = { type: 'string'; value: string } | { type: 'number'; value: number } | { type: 'boolean'; value: boolean } | { type: 'stat'; value: string };
export interface BlockDuration { n: number; unit: TimeUnit }
export interface BlockSource { kind: 'orders' | 'purchases' | 'returns' | 'transactions' | 'event'; eventType?: string }
export const SOURCES: BlockSource['kind'][] = ['orders', 'purchases', 'returns', 'transactions', 'event'];
export const CMP_OPS = ['=', '!=', '<', '<=', '>', '>='] as const;
export type CmpOp = (typeof CMP_OPS)[number];
export const FIELD_OPS = ['=', '!=', '<', '<=', '>', '>=', 'in', 'not in', 'between', 'contains', 'starts with', 'is null', 'is not null', 'in last', 'more than ago', 'before', 'after', 'between dates'] as const;
export type FieldOp = (typeof FIELD_OPS)[number];
export const DATE_OPS: FieldOp[] = ['in last', 'more than ago', 'before', 'after', 'between dates'];
export const AGGS = ['count', 'sum', 'avg', 'min', 'max', 'distinct'] as const;

export type Block =
  | { kind: 'group'; op: 'all' | 'any'; items: Block[] }
  | { kind: 'not'; item: Block }
  | { kind: 'field'; field: string; op: FieldOp; values: BlockValue[]; duration?: BlockDuration }
  | { kind: 'has'; negate: boolean; source: BlockSource; window?: BlockDuration }
  | { kind: 'measure'; agg: (typeof AGGS)[number]; aggField?: string; source: BlockSource; window?: BlockDuration; op: CmpOp; value: BlockValue }
  | { kind: 'occurrence'; which: 'first' | 'last'; source: BlockSource; op: FieldOp; values: BlockValue[]; duration?: BlockDuration }
  | { kind: 'ref'; negate: boolean; name: string };

export type Group = Block & { kind: 'group' };

export const pct = (share: number): string => `${(share * 100).toLocaleString('en-US', { maximumFractionDigits: 1 })}%`;
