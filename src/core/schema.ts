/**
 * The canonical data model (docs/data-model.md): which fields each kind of import has, which are
 * required, and the header names that map to them automatically.
 */

export type ImportKind = 'transactions' | 'customers' | 'events' | 'products' | 'places';
export const IMPORT_KINDS: readonly ImportKind[] = ['transactions', 'customers', 'events', 'products', 'places'];

export type FieldType = 'id' | 'text' | 'timestamp' | 'number' | 'integer' | 'boolean' | 'json';

export interface CanonicalField {
  /** canonical column name in the warehouse */
  readonly name: string;
  readonly type: FieldType;
  readonly required: boolean;
  /** normalised header names (lower case, letters and digits only) that map to this field */
  readonly synonyms: readonly string[];
}

const f = (name: string, type: FieldType, required: boolean, synonyms: string[]): CanonicalField => ({
  name,
  type,
  required,
  synonyms: [name.replace(/_/g, ''), ...synonyms],
});

const CUSTOMER_ID = [
  'customerid', 'customer', 'custid', 'cust', 'clientid', 'client', 'memberid', 'membernumber', 'member',
  'userid', 'user', 'householdkey', 'householdid', 'household', 'donorid', 'accountid', 'custno',
  'customerno', 'customernumber', 'custnumber', 'id',
];

/** Canonical fields per import kind, in the order they appear in the warehouse table. */
export const CANONICAL_FIELDS: Readonly<Record<ImportKind, readonly CanonicalField[]>> = {
  transactions: [
    f('customer_id', 'id', true, CUSTOMER_ID),
    f('order_id', 'id', false, ['invoiceno', 'invoice', 'invoiceid', 'invoicenumber', 'orderno', 'order', 'ordernumber', 'basketid', 'basket', 'receiptid', 'receipt', 'transactionid', 'txnid', 'tid']),
    f('ts', 'timestamp', true, ['invoicedate', 'date', 'orderdate', 'timestamp', 'transactiontimestamp', 'datetime', 'purchasedate', 'time', 'transactiondate', 'createdat', 'day', 'eventtime']),
    f('amount', 'number', false, ['amount', 'total', 'revenue', 'salesvalue', 'sales', 'value', 'dollarvalue', 'dollars', 'spend', 'linetotal', 'net', 'netamount', 'price_total', 'totalprice']),
    f('line_no', 'integer', false, ['lineno', 'linenumber', 'line']),
    f('product_id', 'id', false, ['stockcode', 'productid', 'product', 'sku', 'itemid', 'item', 'itemdescription', 'articleid']),
    f('description', 'text', false, ['description', 'productname', 'itemname', 'desc']),
    f('category', 'text', false, ['category', 'productcategory', 'productcategoryname']),
    f('department', 'text', false, ['department', 'dept', 'aisle']),
    f('quantity', 'number', false, ['quantity', 'qty', 'units', 'numberofcds', 'cds', 'count']),
    f('unit_price', 'number', false, ['unitprice', 'price', 'itemprice']),
    // a store id or shop names a place, not a channel (online, store, app): it stays a line attribute
    f('channel', 'text', false, ['channel', 'saleschannel', 'orderchannel']),
    f('coupon', 'text', false, ['coupon', 'couponcode', 'voucher', 'promocode']),
    f('currency', 'text', false, ['currency', 'currencycode']),
  ],
  customers: [f('customer_id', 'id', true, CUSTOMER_ID)],
  events: [
    f('customer_id', 'id', true, CUSTOMER_ID),
    f('ts', 'timestamp', true, ['timestamp', 'date', 'eventtime', 'eventdate', 'time', 'datetime', 'createdat']),
    f('type', 'text', true, ['type', 'eventtype', 'event', 'eventname', 'action']),
    f('properties', 'json', false, ['properties', 'props', 'attributes', 'payload']),
  ],
  products: [
    f('product_id', 'id', true, ['stockcode', 'productid', 'product', 'sku', 'itemid', 'item', 'id']),
    f('name', 'text', false, ['name', 'description', 'productname', 'itemname', 'productdesc']),
    f('category', 'text', false, ['category', 'productcategory', 'commodity', 'commoditydesc']),
    f('department', 'text', false, ['department', 'dept']),
    f('price', 'number', false, ['price', 'unitprice', 'listprice']),
  ],
  // stores, branches, sites: a transactions column names one with --map place_id=COLUMN
  places: [
    f('place_id', 'id', true, ['placeid', 'place', 'storeid', 'store', 'shopid', 'shop', 'branchid', 'branch', 'siteid', 'site', 'locationid', 'location', 'id']),
    f('name', 'text', false, ['name', 'placename', 'storename', 'shopname', 'branchname', 'sitename']),
    f('latitude', 'number', true, ['latitude', 'lat']),
    f('longitude', 'number', true, ['longitude', 'lon', 'lng', 'long']),
  ],
};

/** Lower-case a header and keep letters and digits only: "Customer ID" → "customerid". */
export function normaliseHeader(header: string): string {
  return header.replace(/^\uFEFF/, '').toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** snake_case a header for use as a trait column name: "Customer ID" → "customer_id". */
export function snakeCase(header: string): string {
  const s = header
    .replace(/^\uFEFF/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
  const name = s.length === 0 ? 'column' : s;
  return /^[0-9]/.test(name) ? `c_${name}` : name;
}
