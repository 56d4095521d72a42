import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guessDelimiter, guessHeader, headerNames } from './formats.ts';

test('guessHeader: names over numbers and dates is a header', () => {
  assert.equal(guessHeader('InvoiceNo,Quantity,InvoiceDate\n536365,6,2010-12-01 08:26\n536366,2,2010-12-01 08:28\n', ','), true);
  assert.equal(guessHeader('"Customer ID";"Amount"\r\n"A1";"£12.50"\r\n', ';'), true);
});

test('guessHeader: a first line with a number or date is data', () => {
  assert.equal(guessHeader('00001 1 19970101 1 11.77\n', ' '), undefined); // one line: cannot tell
  assert.equal(guessHeader('1,2,3\n4,5,6\n', ','), false);
  assert.equal(guessHeader('A1,2011-01-04,19.99\nA2,2011-01-05,5.00\n', ','), false);
});

test('guessHeader: all-text columns or open quotes leave it to the sniffer', () => {
  assert.equal(guessHeader('name,city\nAnn,Leeds\nBob,York\n', ','), undefined);
  assert.equal(guessHeader('id,note\n1,"first line\nsecond line"\n', ','), undefined);
  assert.equal(guessHeader('id,,amount\n1,x,2\n', ','), undefined);
});

test('headerNames: the header line as the reader names it, quotes removed, inner spaces and commas kept', () => {
  assert.deepEqual(headerNames('\uFEFFInvoiceNo,Quantity\r\n1,2\r\n', ','), ['InvoiceNo', 'Quantity']);
  assert.deepEqual(headerNames('"Customer ID";"Amount, £";"Say ""hi"""\n"A1";"12";"x"\n', ';'), ['Customer ID', 'Amount, £', 'Say "hi"']);
  assert.deepEqual(headerNames('größe\tstadt\n1\tKöln\n', '\t'), ['größe', 'stadt']);
});

test('headerNames: names the reader would change or lines it cannot settle are left to the sniffer', () => {
  assert.equal(headerNames('id,,amount\n1,x,2\n', ','), undefined); // empty name
  assert.equal(headerNames('id, amount\n1,2\n', ','), undefined); // padded name
  assert.equal(headerNames('id,ID\n1,2\n', ','), undefined); // repeated, case-insensitively
  assert.equal(headerNames('id,amount\n1,2,3\n', ','), undefined); // the data line has another field count
  assert.equal(headerNames('id,"note\n1,2\n', ','), undefined); // open quote
  assert.equal(headerNames('id,amount\n', ','), undefined); // no data line
});

test('guessDelimiter: most lines must agree with the header, a majority when only one candidate splits it', () => {
  assert.equal(guessDelimiter('a;b;c\n1;2;3\n4;5;6\n'), ';');
  // one malformed line of three: only the comma splits the header
  assert.equal(guessDelimiter('id,amount,date\n1,2,2024-01-01\n3,4,5,2024-01-02\n6,7,2024-01-03\n'), ',');
  // the comma and the semicolon both split the header and neither has most lines: left to the sniffer
  assert.equal(guessDelimiter('a,b;c\n1,2;3\n1;2\n1,2\n'), undefined);
  // half the lines disagree: not a majority
  assert.equal(guessDelimiter('id,amount\n1,2,3\n'), undefined);
});
