// A customer id to open: the form navigates to #/customers/<id> (the page then says if there is none).
import { useEffect, useState } from 'preact/hooks';
import { href, navigate } from '../router.ts';

export function CustomerSearch({ current }: { current?: string }) {
  const [value, setValue] = useState(current ?? '');
  useEffect(() => setValue(current ?? ''), [current]);
  const submit = (e: Event) => {
    e.preventDefault();
    const id = value.trim();
    if (id) navigate(href('customers', id));
  };
  return (
    <form class="search form-row" role="search" aria-label="Find a customer" onSubmit={submit}>
      <div>
        <label for="customer-id">Customer id</label>
        <input id="customer-id" type="search" value={value} maxLength={256} autoComplete="off" aria-describedby="customer-id-help" onInput={(e) => setValue((e.target as HTMLInputElement).value)} required />
      </div>
      <button type="submit">Open</button>
      <p id="customer-id-help" class="hint">The id as imported (the customer_id of the data), e.g. from an audience's member list.</p>
    </form>
  );
}
