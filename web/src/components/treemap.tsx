// A treemap (d3-hierarchy's squarified layout) drawn as SVG: one rectangle per item, its area the item's
// value, labelled with its name and value where the rectangle has room. Negative values count as zero.
import { hierarchy, treemap, treemapSquarify } from 'd3-hierarchy';
import { svgEl } from './value-data.tsx';

export interface TreemapItem {
  name: string;
  value: number;
  /** the second label line (the value formatted) */
  label: string;
  fill: string;
}

export function drawTreemap(items: TreemapItem[], width: number, height = Math.round(Math.min(460, Math.max(300, width * 0.65)))): SVGSVGElement {
  const svg = svgEl('svg', { width, height, viewBox: `0 0 ${width} ${height}` });
  type Node = { children?: TreemapItem[] } | TreemapItem;
  const root = hierarchy<Node>({ children: items.filter((i) => i.value > 0) }, (d) => ('children' in d ? d.children : undefined))
    .sum((d) => ('value' in d ? Math.max(0, d.value) : 0))
    .sort((a, b) => (b.value ?? 0) - (a.value ?? 0));
  treemap<Node>().tile(treemapSquarify).size([width, height]).paddingInner(2).round(true)(root);
  for (const leaf of root.leaves()) {
    const d = leaf.data as TreemapItem;
    const { x0, y0, x1, y1 } = leaf as unknown as { x0: number; y0: number; x1: number; y1: number };
    const g = svgEl('g', { transform: `translate(${x0},${y0})` });
    const w = x1 - x0;
    const h = y1 - y0;
    g.append(svgEl('rect', { width: w, height: h, fill: d.fill, stroke: '#fff' }));
    g.append(svgEl('title', {}, `${d.name}: ${d.label}`));
    if (w > 60 && h > 34) {
      const clip = `clip-${Math.random().toString(36).slice(2)}`;
      const cp = svgEl('clipPath', { id: clip });
      cp.append(svgEl('rect', { width: w - 4, height: h }));
      g.append(cp);
      const t = svgEl('text', { x: 5, y: 17, fill: '#1d2430', 'font-size': 13, 'clip-path': `url(#${clip})` });
      t.append(svgEl('tspan', { 'font-weight': 600 }, d.name));
      t.append(svgEl('tspan', { x: 5, dy: 16 }, d.label));
      g.append(t);
    }
    svg.append(g);
  }
  return svg;
}
