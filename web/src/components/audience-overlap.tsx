// How many customers two audiences share: a matrix of the selected audiences (the diagonal is each
// audience alone), counted by the server now; each cell also as a share of its row's audience.
import { get } from '../api.ts';
import { Async, useAsync } from './async.tsx';
import { fmt } from './chart.tsx';
import { pct } from './audience-types.ts';

interface Overlap { names: string[]; asOf: string; matrix: number[][] }

export function OverlapMatrix({ names }: { names: string[] }) {
  const key = names.join('\u0000');
  const state = useAsync((signal) => (names.length ? get<Overlap>('/audience-overlap', { names }, signal) : Promise.resolve(undefined)), [key]);
  if (names.length === 0) return <p>Tick “Compare” on two or more audiences to see how many customers they share.</p>;
  return (
    <Async state={state} what="Counting the overlap">
      {(o) => {
        if (!o) return null;
        const max = Math.max(1, ...o.matrix.flat());
        return (
          <div class="table-wrap">
            <table class="overlap">
              <caption>Customers in both audiences, as of {o.asOf} (row audience's share in brackets)</caption>
              <thead><tr><td /> {o.names.map((n) => <th scope="col" key={n}>{n}</th>)}</tr></thead>
              <tbody>
                {o.names.map((row, i) => (
                  <tr key={row}>
                    <th scope="row">{row}</th>
                    {o.matrix[i]!.map((v, j) => {
                      const alone = o.matrix[i]![i]!;
                      const light = 97 - Math.round((v / max) * 30);
                      return (
                        <td key={j} class={i === j ? 'num diag' : 'num'} style={{ background: `hsl(215 70% ${light}%)` }}>
                          {fmt(v)}{i !== j && <span class="hint"> ({alone ? pct(v / alone) : '–'})</span>}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      }}
    </Async>
  );
}
