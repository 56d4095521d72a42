// Shapes of what the Overview and Customer pages read from the server (GET /workspace, /overview/monthly,
// /quarantine, /customers/{id}, /customers/{id}/activity, and the import job's result).

export interface Freshness {
  lastSuccess: { runId?: number; at: string; asOf?: string | null } | null;
  lastFailure: { at: string; message: string; jobId?: string } | null;
}

export interface WorkspaceDoc {
  engine: string;
  asOf: string | null;
  counts: Record<string, number>;
  audiences: number;
  freshness: Record<string, Freshness>;
}

export interface MonthRow {
  month: string;
  revenue: number;
  orders: number;
  buyers?: number;
  returns?: number;
  events?: number;
}

export interface Monthly {
  timezone: string;
  currency: string | null;
  months: MonthRow[];
  totals: { revenue: number; orders: number; returns: number; buyers: number; lines: number };
}

export interface QuarantinePage {
  total: number;
  items: { sourceId: number; kind: string; line: number; reason: string; detail: string | null; raw: unknown }[];
  summary: { sourceId: number; file: string | null; kind: string; reason: string; rows: number }[];
}

export interface ImportResultDoc {
  sourceId: number | null;
  kind: string;
  format?: string;
  alreadyImported: boolean;
  rows: { read: number; loaded: number; quarantined: number; alreadyPresent: number };
  reconciled?: boolean;
  quarantineByReason: Record<string, number>;
  customers?: { before: number; after: number; added: number };
  warnings?: string[];
  name?: string | null;
}

export interface CustomerDoc {
  customerId: string;
  traits: Record<string, unknown>;
  scores: Record<string, Record<string, unknown>>;
  segments: Record<string, string | null>;
  audiences: { name: string; runId: number; asOf: string; member: boolean }[];
  counts: { transactions?: number; events?: number };
  timeline: TimelineItem[];
}

export interface TimelineItem {
  type: string;
  ts: string;
  orderId?: string | null;
  amount?: number | null;
  productId?: string | null;
  description?: string | null;
  quantity?: number | null;
  isReturn?: boolean;
  properties?: unknown;
}

export interface CustomerActivity {
  customerId: string;
  timezone: string;
  orders: number;
  returns: number;
  revenue: number;
  lines: number;
  events: number;
  firstPurchase: string | null;
  lastPurchase: string | null;
  lastActivity: string | null;
  months: MonthRow[];
}

/** A UTC timestamp text of the server ('YYYY-MM-DD HH:MM:SS') shown to the minute, or '–'. */
export const when = (t: string | null | undefined): string => (t ? `${t.replace('T', ' ').slice(0, 16)}` : '–');

/**
 * A Plot chart whose marks' own aria-labels are removed: the chart is one image (role img, labelled by the
 * Chart component, its numbers in the table beside), and a label on a group without a role is not allowed.
 */
export function quietMarks<E extends Element>(el: E): E {
  for (const n of el.querySelectorAll('[aria-label], [aria-description]')) {
    n.removeAttribute('aria-label');
    n.removeAttribute('aria-description');
  }
  return el;
}
