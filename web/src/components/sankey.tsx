// A Sankey diagram (d3-sankey) drawn as SVG: the earlier run's labels on the left, the later run's on the
// right, a band per (from, to) pair as wide as its customers. Labels sit outside the nodes, in margins.
import { sankey, sankeyLinkHorizontal, type SankeyLink, type SankeyNode } from 'd3-sankey';
import { svgEl } from './value-data.tsx';

export interface Flow {
  from: string;
  to: string;
  value: number;
}

interface N { id: string; name: string; side: 'from' | 'to' }
type L = { source: string; target: string; value: number };

export function drawSankey(flows: Flow[], width: number, colour: (label: string) => string, options: { fromTitle: string; toTitle: string }): SVGSVGElement {
  const fromNames = [...new Set(flows.map((f) => f.from))];
  const toNames = [...new Set(flows.map((f) => f.to))];
  const height = Math.max(240, Math.min(720, 34 * Math.max(fromNames.length, toNames.length) + 40));
  const margin = Math.min(190, Math.max(110, width * 0.2));
  const svg = svgEl('svg', { width, height, viewBox: `0 0 ${width} ${height}`, 'font-size': 12 });
  const nodes: N[] = [...fromNames.map((n) => ({ id: `from:${n}`, name: n, side: 'from' as const })), ...toNames.map((n) => ({ id: `to:${n}`, name: n, side: 'to' as const }))];
  const links: L[] = flows.filter((f) => f.value > 0).map((f) => ({ source: `from:${f.from}`, target: `to:${f.to}`, value: f.value }));
  const layout = sankey<N, L>().nodeId((d) => d.id).nodeWidth(14).nodePadding(10).nodeSort(null).extent([[margin, 24], [width - margin, height - 6]]);
  const graph = layout({ nodes: nodes.map((n) => ({ ...n })), links: links.map((l) => ({ ...l })) });
  svg.append(svgEl('text', { x: margin, y: 14, 'font-weight': 600, fill: '#1d2430' }, options.fromTitle));
  svg.append(svgEl('text', { x: width - margin, y: 14, 'font-weight': 600, 'text-anchor': 'end', fill: '#1d2430' }, options.toTitle));
  const path = sankeyLinkHorizontal();
  for (const l of graph.links as SankeyLink<N, L>[]) {
    const src = l.source as SankeyNode<N, L>;
    const tgt = l.target as SankeyNode<N, L>;
    const p = svgEl('path', { d: path(l) ?? '', fill: 'none', stroke: colour(src.name), 'stroke-opacity': 0.75, 'stroke-width': Math.max(1, l.width ?? 1) });
    p.append(svgEl('title', {}, `${src.name} → ${tgt.name}: ${l.value.toLocaleString('en-US')} customers`));
    svg.append(p);
  }
  for (const n of graph.nodes as SankeyNode<N, L>[]) {
    const x0 = n.x0 ?? 0;
    const x1 = n.x1 ?? 0;
    const y0 = n.y0 ?? 0;
    const y1 = n.y1 ?? 0;
    svg.append(svgEl('rect', { x: x0, y: y0, width: x1 - x0, height: Math.max(1, y1 - y0), fill: '#4b5563' }));
    const left = n.side === 'from';
    svg.append(svgEl('text', { x: left ? x0 - 6 : x1 + 6, y: (y0 + y1) / 2, dy: '0.35em', 'text-anchor': left ? 'end' : 'start', fill: '#1d2430' }, `${n.name} (${(n.value ?? 0).toLocaleString('en-US')})`));
  }
  return svg;
}
